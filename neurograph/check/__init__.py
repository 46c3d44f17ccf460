"""Checks: graph engine vs matrix backend vs finite differences (and PyTorch)."""
