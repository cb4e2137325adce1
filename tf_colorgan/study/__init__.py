"""The report's study, reproduced: `reproduce` trains and records the configurations, `analysis` ranks them,
`report` and `figure5` draw the figures.
"""
