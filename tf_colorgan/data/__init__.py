"""Where images come from and how they are split (`sources`), the Lab conversion (`lab`), grouping batches by
training step (`grouping`), prepared Lab forms (`prepared`) and the grayscale digit sets (`digits`). The tasks'
streams are in their packages.
"""
