"""Evaluate a trained run.

Colorization: colorize the run's held-out test images with its generator (the report's protocol: batch statistics
in batches of --batch_size, dropout on, from the run's checkpoint) and score them (PSNR, SSIM):
    python eval.py --run_dir=models/sample_lsgan_l1-100_l2-0
writes models/.../eval/<step>_<i>_col.png, <step>_<i>_true.png and metrics.json.

Compare colorization runs on one image set (metrics.json/.csv with FID when InceptionV3's weights load, the
report's Figure 6 as figure.png, index.html):
    python eval.py --models=models/RUN_A,models/RUN_B --dataset=sample --out comparison/
    python eval.py --models=models/RUN_A,models/RUN_B --dataset=/path/to/bw_photos --true_gray --out bw/

Image generation: Frechet classifier distance and classifier score of the exported generator's samples:
    python eval.py --generator=models/dcgan_mnist/export --count=2000
"""

from tf_colorgan import scripts

if __name__ == "__main__":
    scripts.evaluate()  # the process settings, then tf_colorgan.evaluation.cli
