"""Evaluating trained runs: scoring a run's test split, comparing runs on one image set (`trained_runs`).
"""
