"""Explanations: equations with the numbers put in, the matrix view, text tables."""
