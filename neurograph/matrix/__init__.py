"""The matrix backend: the same network as batched linear algebra."""
from neurograph.matrix.network import MatrixNetwork

__all__ = ["MatrixNetwork"]
