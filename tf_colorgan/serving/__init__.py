"""Serving exported colorizers: the HTTP server (`server`) and the `tf-colorgan` command (`cli`).
"""
