"""Training: the SGD loop and its History, the data sets, the seeds' presets."""
