"""Graphviz pictures of neurograph networks (in progress)."""
