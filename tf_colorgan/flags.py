"""Command-line flags of train.py; the only module that reads `absl.flags.FLAGS`.

`define_flags()` declares one flag per `Config` field (defaults: the original code's colorization values, see
`tf_colorgan.config`); `config_from_flags()` turns the flags the user gave into the frozen `Config`, over the
colorization defaults or over the preset of `--experiment` (`tf_colorgan.presets`).
"""

import dataclasses
import sys

from absl import flags

from tf_colorgan.config import (
    OBJECTIVES,
    PRECISIONS,
    STRATEGIES,
    TASKS,
    TEXTBOOK_FORMS,
    Z_DISTRIBUTIONS,
    Config,
    make_config,
)
from tf_colorgan.image_networks import ARCHITECTURES
from tf_colorgan.presets import EXPERIMENTS

FLAGS = flags.FLAGS


def define_flags():
    """Declares the training flags; per-objective defaults (lr, beta1, run_dir) are resolved by `Config`."""
    defaults = Config()
    flags.DEFINE_enum("task", defaults.task, TASKS, "colorize: L -> ab (the report's colorization study); "
                      "generate: z -> images (its image-generation experiments, see --experiment).")
    flags.DEFINE_enum("experiment", None, tuple(EXPERIMENTS), "Image-generation preset of the original code "
                      "(with --task=generate); any other flag overrides its values.")
    flags.DEFINE_enum("arch", None, ("pix2pix", *ARCHITECTURES), "Networks: pix2pix (colorization) or, for "
                      "generation, the networks of one experiment (mlp, dcgan, lsgan, ebgan, wgan).")
    flags.DEFINE_enum("gan", defaults.gan, OBJECTIVES, "Objective: gan (non-saturating, explicit sigmoid), lsgan "
                      "(sigmoid before the squares), ebgan (auto-encoder D on ab), wgan (clipping, RMSProp), "
                      "wgan_gp (textbook gradient penalty).")
    flags.DEFINE_string("dataset", defaults.dataset, "'sample' (the built-in photos in tf_colorgan/sample), a folder "
                        "of images, or a TensorFlow Datasets name such as celeb_a.")
    flags.DEFINE_string("data_dir", defaults.data_dir, "TFDS data directory (default: TFDS's own).")
    flags.DEFINE_string("run_dir", "", "Where the run is written; default models/<dataset>_<gan>_"
                        "l1-<l1>_l2-<l2> (generation: models/<experiment>[_<gan>_<arch>_<dataset> where changed]). "
                        "Running the same command again resumes it.")
    flags.DEFINE_integer("size", defaults.size, "Training image size: a multiple of 256 for colorization, the "
                         "networks' size for generation (28, 112 or 64).")
    flags.DEFINE_integer("batch_size", defaults.batch_size, "Images per batch (the report's runs: 4).")
    flags.DEFINE_boolean("jitter", defaults.jitter, "Random flip, resize to size+20 and crop (runs used no jitter).")
    flags.DEFINE_boolean("upconvs", defaults.upconvs, "Nearest resize + 3x3 conv instead of transposed convs in "
                         "the decoder (runs used transposed convs; dec3 is a resize-conv either way).")
    flags.DEFINE_integer("width", defaults.width, "Colorization: filters of the first layer of the U-Net, the "
                         "PatchGAN and EBGAN's auto-encoder (the original: 64); every hidden layer scales with it.")
    flags.DEFINE_float("lr", None, "Learning rate of both networks (default per --gan: gan/lsgan 1e-4, "
                       "ebgan 1e-3, wgan 5e-5, wgan_gp 1e-4).")
    flags.DEFINE_float("beta1", None, "Adam beta1 (default 0.9 as the original; wgan_gp 0).")
    flags.DEFINE_float("l1", defaults.l1, "Weight of the L1 term mean|ab - G(L)|.")
    flags.DEFINE_float("l2", defaults.l2, "Weight of the L2 term (original: half the sum of squares).")
    flags.DEFINE_float("gan_weight", defaults.gan_weight, "Weight of the adversarial term of the generator loss.")
    flags.DEFINE_integer("n_critic", defaults.n_critic, "WGAN critic updates per generator update.")
    flags.DEFINE_integer("n_critic_warmup", defaults.n_critic_warmup, "WGAN critic updates while step < "
                         "--warmup_steps and every 500th step.")
    flags.DEFINE_float("clip", defaults.clip, "WGAN weight clipping bound (the code: 0.005; the report says 0.05).")
    flags.DEFINE_float("margin", defaults.margin, "EBGAN margin m.")
    flags.DEFINE_boolean("ebgan_hinge", defaults.ebgan_hinge, "EBGAN D loss max(0, m - E_fake) (the code's final "
                         "form); --noebgan_hinge: m - E_fake, as the report's EBGAN runs most likely trained.")
    flags.DEFINE_float("gp_weight", defaults.gp_weight, "WGAN-GP gradient penalty weight.")
    flags.DEFINE_integer("warmup_steps", defaults.warmup_steps, "WGAN: the first steps with --n_critic_warmup "
                         "critic updates (colorization code 10, CelebA code 25).")
    flags.DEFINE_float("gan_epsilon", defaults.gan_epsilon, "GAN: epsilon inside the original's logs.")
    flags.DEFINE_integer("generator_steps", defaults.generator_steps, "Generator updates per iteration "
                         "(DCGAN: 2).")
    flags.DEFINE_float("extra_generator_step_below", defaults.extra_generator_step_below, "One more generator "
                       "update when D's loss is below this (MLP GAN: 1e-4; 0: off).")
    flags.DEFINE_integer("z_dim", defaults.z_dim, "Generation: length of z.")
    flags.DEFINE_enum("z_discriminator", defaults.z_discriminator, Z_DISTRIBUTIONS, "Generation: z of the "
                      "discriminator updates: uniform U(-1,1), normal N(0,1), normal_m1 N(-1,1) (the original's).")
    flags.DEFINE_enum("z_generator", defaults.z_generator, Z_DISTRIBUTIONS, "Generation: z of the generator "
                      "updates (unused with --shared_z).")
    flags.DEFINE_boolean("shared_z", defaults.shared_z, "Generation: the generator updates reuse the first "
                         "discriminator update's z.")
    flags.DEFINE_float("pullaway", defaults.pullaway, "EBGAN: weight of the pull-away term (EBGAN-PT: 0.1).")
    flags.DEFINE_boolean("pullaway_original", defaults.pullaway_original, "EBGAN: the original code's pull-away "
                         "term (codes normalised along one axis, not squared) instead of the paper's.")
    flags.DEFINE_float("central_crop", defaults.central_crop, "Generation: keep this central fraction of each "
                       "photo before resizing (CelebA presets: 0.6).")
    flags.DEFINE_list("textbook", list(defaults.textbook), "Textbook forms instead of the original's, any of "
                      f"{', '.join(TEXTBOOK_FORMS)} or 'all': gan = BCE on logits; lsgan = least squares on "
                      "logits; wgan = linear critic; ebgan = per-sample MSE energy; l2 = mean squared error.")
    flags.DEFINE_boolean("train_mode_inference", defaults.train_mode_inference, "BatchNorm on batch statistics "
                         "and dropout also at inference and in the export (the original's eval.py).")
    flags.DEFINE_integer("steps", defaults.steps, "Training iterations (D updates + G updates) of the whole "
                         "run, counted from its start (default: 60 on the sample set, otherwise 8 epochs; "
                         "generation: per preset).")
    flags.DEFINE_float("epochs", defaults.epochs, "Passes over the training split (train_size // batch_size "
                       "iterations each), instead of --steps.")
    flags.DEFINE_integer("seed", defaults.seed, "Seed of the split, the initial weights and the data order.")
    flags.DEFINE_enum("precision", defaults.precision, ("auto", *PRECISIONS), "Keras dtype policy: float32, "
                      "mixed_bfloat16 (CPUs with AVX512-BF16 or AMX, TPUs, recent GPUs), mixed_float16 (GPUs, with "
                      "loss scaling), or auto: the fastest of them on this machine (see tf_colorgan.machine). A "
                      "resumed run may change it.")
    flags.DEFINE_integer("fcd_every", defaults.fcd_every, "Generation on fashion_mnist/mnist/digits: log the "
                         "Frechet classifier distance and classifier score of 1,000 samples every N steps (0: off).")
    flags.DEFINE_string("heldout", defaults.heldout, "Colorization: a folder of held-out photos scored every "
                        "--heldout_every steps (PSNR, SSIM, colourfulness, dCF, AuC, pixel accuracy).")
    flags.DEFINE_integer("heldout_every", defaults.heldout_every, "Score the generator on --heldout every N steps, "
                         "at step 0 and at the end, as TensorBoard scalars heldout/<metric> (0: off).")
    flags.DEFINE_boolean("jit_compile", defaults.jit_compile, "Compile the training step with XLA.")
    flags.DEFINE_boolean("deterministic", defaults.deterministic, "Bit-identical reruns: TensorFlow's op "
                         "determinism on top of the seeds (data order, jitter, initial weights, dropout and z are "
                         "always seeded by --seed).")
    flags.DEFINE_enum("strategy", defaults.strategy, STRATEGIES, "tf.distribute strategy: default (one device), "
                      "mirrored (the GPUs of this machine), multi_worker (machines of TF_CONFIG), tpu. --batch_size "
                      "is the global batch.")
    flags.DEFINE_integer("save_every", defaults.save_every, "Checkpoint every N iterations (a killed run resumes "
                         "from the last one, losing at most N).")
    flags.DEFINE_integer("log_every", defaults.log_every, "TensorBoard scalars every N steps (mean over them).")
    flags.DEFINE_integer("image_every", defaults.image_every, "TensorBoard image grids and samples/*.png every "
                         "N steps.")
    flags.DEFINE_integer("sample_count", defaults.sample_count, "Images in each sample grid.")


def config_from_flags():
    """The `Config` of the flags the user gave (raises `ConfigError`, one clear message, on a bad value)."""
    given = {field.name: FLAGS[field.name].value for field in dataclasses.fields(Config)
             if FLAGS[field.name].present}
    if "textbook" in given:
        given["textbook"] = tuple(given["textbook"])
    return make_config(**given)


def parse_flags(argv):
    """absl's flag parsing (`app.run(..., flags_parser=parse_flags)`), with a bad flag reported in one line and
    exit status 2, the status of a usage error."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        usage_error(str(error))


def usage_error(message):
    """Prints `train.py: error: <message>` and exits with status 2 (nothing else is printed or written)."""
    sys.stderr.write(f"train.py: error: {message}\n")
    sys.exit(2)
