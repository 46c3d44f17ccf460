"""Networks in and out: JSON files, networkx graphs, PyTorch modules."""
