"""The engine: ``Network``, ``Node`` and ``Edge`` objects, the formulas they use
(activations, losses, initializers), builders and input validation."""
