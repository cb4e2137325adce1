"""Named image-generation experiments of the report: the original code's settings as plain data.

`python train.py --task=generate --experiment=NAME` starts from `EXPERIMENTS[NAME]` and any flag overrides any
value (`--gan=wgan` trains the DCGAN networks with the WGAN objective). z distributions: "uniform" U(-1, 1),
"normal" N(0, 1), "normal_m1" N(-1, 1) (the original's `np.random.normal(-1.0, 1.0)`); `z_discriminator` is
for the D updates, `z_generator` for the G updates (with `shared_z` they reuse the D update's z); sample grids
and the classifier distance use the z the generator trained on. MNIST is not packaged offline: the MNIST
presets read Fashion-MNIST (Debian's dataset-fashion-mnist) unless --dataset=mnist.
"""

GRID = {"sample_count": 75}  # Sample grids of 15 x 5 tiles, as the report's figures.

EXPERIMENTS = {
    # DCG@3f39abb gan.py: MLP G/D, no epsilon in the logs, U(-1, 1) z shared by the D and G update (its sample
    # images drew N(-1, 1); ours use the z it trained on), one extra G update when D's loss falls below 1e-4;
    # ~65 epochs of MNIST's 70,000 images.
    "mlp_gan_mnist": dict(
        **GRID, arch="mlp", gan="gan", dataset="fashion_mnist", size=28, batch_size=32, lr=1e-4, beta1=0.9,
        z_dim=100, z_discriminator="uniform", z_generator="uniform", shared_z=True, gan_epsilon=0.0,
        extra_generator_step_below=1e-4, epochs=65, save_every=5000),
    # DCG@5458c7e dcgan.py: 1 D update then 2 G updates on the same N(-1, 1) z; ~4 epochs.
    "dcgan_mnist": dict(
        **GRID, arch="dcgan", gan="gan", dataset="fashion_mnist", size=28, batch_size=128, lr=2e-4, beta1=0.5,
        z_dim=100, z_discriminator="normal_m1", z_generator="normal_m1", shared_z=True, generator_steps=2,
        epochs=4, save_every=500),
    # LSG@4693cec: 112 x 112 LSUN churches, z of 1024 (D: U(-1, 1), G: N(-1, 1)), least squares on the batch
    # mean of D's conv features; the length was not recorded.
    "lsgan_lsun": dict(
        **GRID, arch="lsgan", gan="lsgan", dataset="lsun/church_outdoor", size=112, batch_size=32, lr=1e-3,
        beta1=0.5, z_dim=1024, z_discriminator="uniform", z_generator="normal_m1", save_every=1000),
    # EBG@fae6bcb: CelebA centre crop 0.6 at 64 x 64, auto-encoder D, margin 20, pull-away weight 0.1, 40k
    # steps; the batch size was a required CLI argument, the early config had 256.
    "ebgan_celeba": dict(
        **GRID, arch="ebgan", gan="ebgan", dataset="celeb_a", size=64, central_crop=0.6, batch_size=256, lr=1e-3,
        beta1=0.5, z_dim=100, z_discriminator="uniform", z_generator="uniform", shared_z=True, margin=20.0,
        pullaway=0.1, steps=40_000, save_every=500),
    # WG@639a6ab: RMSProp 5e-5, clipping at 0.005, 100 critic updates while step < 25 or every 500th, else 5;
    # each critic update draws a fresh batch and a fresh U(-1, 1) z, G draws N(-1, 1); ~120k steps (~24 h);
    # batch a required CLI argument, the early config had 64.
    "wgan_celeba": dict(
        **GRID, arch="wgan", gan="wgan", dataset="celeb_a", size=64, central_crop=0.6, batch_size=64, lr=5e-5,
        z_dim=100, z_discriminator="uniform", z_generator="normal_m1", n_critic=5, n_critic_warmup=100,
        warmup_steps=25, clip=0.005, steps=120_000, save_every=1000),
}
