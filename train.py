"""Train a colorization GAN of the 2017 study (L -> ab in Lab space, pix2pix U-Net + PatchGAN).

Examples:
    python train.py --gan=lsgan --l1=100                      # built-in sample photos, a few minutes on a CPU
    python train.py --gan=wgan --l1=0 --l2=1 --dataset=celeb_a --epochs=8
    python train.py --gan=gan --dataset=/path/to/photos --precision=mixed_bfloat16

Running the same command again resumes the run from its last checkpoint. See README.md for every flag.
Exit status: 0 trained (and exported, by the chief), 1 stopped by a non-finite loss or a full file system (what
could not be written, and the checkpoint a rerun resumes from), 2 a bad flag or dataset (one line on stderr;
nothing written).
"""

from tf_colorgan import scripts

if __name__ == "__main__":
    scripts.train()  # the process settings, then tf_colorgan.training.cli
