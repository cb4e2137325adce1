"""The networks: pix2pix's U-Net and PatchGAN (`pix2pix`), the layers that run in training mode at inference
(`train_mode`), and the networks of the report's image-generation experiments (`image_networks`).
"""
