"""Benchmarks that print numbers: training and export speed (`benchmark`), time to the first step on a folder at
the report's scale (`folder_scale`), where a step's time goes (`step_profile`), and the TensorFlow pix2pix
tutorial's step as a yardstick (`pix2pix_tutorial`).
"""
