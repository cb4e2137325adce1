"""The image-generation task: the report's experiments before the study (its settings and checks; `plugin` holds
the TensorFlow parts).

G maps z [B, z_dim] to images of `IMAGE_SHAPES[arch]`, trained against data in [0, 1] for the MNIST networks
of `UNIT_RANGE` (mlp's G ends in a sigmoid, dcgan's in a tanh: the original's G3), else in [-1, 1] (tanh); D
judges images alone (`problem.Generation`). Settings start from a named experiment of
`tf_colorgan.tasks.generate.presets`. z distributions: "uniform" U(-1, 1), "normal" N(0, 1), "normal_m1" N(-1, 1)
(the original's `np.random.normal(-1.0, 1.0)`).
"""

import dataclasses

from tf_colorgan import objectives, settings, tasks
from tf_colorgan.settings import AT_LEAST_ONE, AT_LEAST_ZERO, invalid, one_of, setting
from tf_colorgan.tasks.generate.presets import EXPERIMENTS

SUMMARY = "z -> images (its image-generation experiments, see --experiment)"
TEXTBOOK_FORMS = {}
COLOUR_ONLY = False
# The image shape each experiment's generator produces (`tf_colorgan.networks.image_networks.ARCHITECTURES`).
IMAGE_SHAPES = {"mlp": (28, 28, 1), "dcgan": (28, 28, 1), "lsgan": (112, 112, 3), "ebgan": (64, 64, 3),
                "wgan": (64, 64, 3)}
UNIT_RANGE = ("mlp", "dcgan")  # the MNIST code kept its data in [0, 1]; the others in [-1, 1]
AUTOENCODERS = ("ebgan",)  # networks whose discriminator is an auto-encoder
FEATURE_DISCRIMINATORS = ("lsgan",)  # networks whose discriminator can return its conv features (the LSUN code)
Z_DISTRIBUTIONS = ("uniform", "normal", "normal_m1")


@dataclasses.dataclass(frozen=True)
class Settings(settings.Settings):
    experiment: str = setting("", "Image-generation preset of the original code (with --task=generate); any other "
                              "flag overrides its values.", one_of(*EXPERIMENTS))
    arch: str = setting("mlp", "Networks: pix2pix (colorization) or, for generation, the networks of one experiment "
                        "(mlp, dcgan, lsgan, ebgan, wgan).", one_of(*IMAGE_SHAPES))
    size: int = setting(28, "Training image size: a multiple of 256 for colorization, the networks' size for "
                        "generation (28, 112 or 64).", AT_LEAST_ONE)
    central_crop: float = setting(1.0, "Generation: keep this central fraction of each photo before resizing "
                                  "(CelebA presets: 0.6).", settings.Allowed(lambda value: 0 < value <= 1,
                                                                             "a fraction in (0, 1]"))
    z_dim: int = setting(100, "Generation: length of z.", AT_LEAST_ONE)
    z_discriminator: str = setting("uniform", "Generation: z of the discriminator updates: uniform U(-1,1), normal "
                                   "N(0,1), normal_m1 N(-1,1) (the original's).", one_of(*Z_DISTRIBUTIONS))
    z_generator: str = setting("uniform", "Generation: z of the generator updates (unused with --shared_z).",
                               one_of(*Z_DISTRIBUTIONS))
    shared_z: bool = setting(False, "Generation: the generator updates reuse the first discriminator update's z.")
    fcd_every: int = setting(0, "Generation on fashion_mnist/mnist/digits: log the Frechet classifier distance and "
                             "classifier score of 1,000 samples every N steps (0: off).", AT_LEAST_ZERO)

    def check(self):
        super().check()
        if self.size != IMAGE_SHAPES[self.arch][0]:
            raise invalid("size", f"{IMAGE_SHAPES[self.arch][0]}, the image size of the {self.arch} networks",
                          self.size)


def preset(given):
    """The settings of `given["experiment"]`'s preset, which the given ones override (a given length replaces the
    preset's; the size follows a given --arch); none without a known experiment (`Settings` then refuses it)."""
    if given.get("experiment") not in EXPERIMENTS:
        return {}
    preset = dict(EXPERIMENTS[given["experiment"]])
    if "steps" in given or "epochs" in given:
        preset.pop("steps", None), preset.pop("epochs", None)
    if given.get("arch") in IMAGE_SHAPES:
        preset["size"] = IMAGE_SHAPES[given["arch"]][0]
    return preset


def check(config, objective):
    """The objective must suit the networks: no BatchNorm-free critic here, an auto-encoder D exactly for an
    objective that scores energies; the classifier distance only on the sets with a classifier."""
    if not objective.batch_norm_allowed:
        raise invalid("gan", "an objective whose critic may have BatchNorm for --task=generate (the image-generation "
                      "critics have BatchNorm, which the gradient penalty's per-sample gradients do not allow)",
                      config.gan)
    if objective.autoencoder_discriminator != (config.arch in AUTOENCODERS):
        scoring = " or ".join(name for name in objectives.names() if objectives.get(name).autoencoder_discriminator)
        raise invalid("gan", f"{scoring} exactly with --arch={' or --arch='.join(AUTOENCODERS)} (the objective "
                      "scores an auto-encoder's energies; those networks' discriminator is one)", config.gan)
    if config.fcd_every and config.dataset not in tasks.DIGIT_SETS:
        raise invalid("fcd_every", f"0 unless --task=generate on one of {tasks.DIGIT_SETS} (the classifier "
                      "distance needs their classifier)", config.fcd_every)


def run_name(config):
    """`<experiment>`, plus `_<gan>_<arch>_<dataset>` where those differ from the experiment's."""
    dataset = tasks.dataset_name(config.dataset)
    preset = EXPERIMENTS[config.experiment]
    changed = [value for name, value in (("gan", config.gan), ("arch", config.arch), ("dataset", dataset))
               if getattr(config, name) != preset[name]]
    return "_".join([config.experiment, *changed])


def default_steps(config):
    """None: the preset's length, or 8 epochs."""
    return None


def z_sampling(config):
    """The z distribution of sample grids, exports' documentation and the classifier distance: the one the
    generator trained on (`z_discriminator` when the generator reuses the discriminator's z)."""
    return config.z_discriminator if config.shared_z else config.z_generator


def unit_range(config):
    """Whether the run's images are in [0, 1] (else [-1, 1])."""
    return config.arch in UNIT_RANGE
