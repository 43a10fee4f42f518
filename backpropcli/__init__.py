"""backprop: a command-line backprop calculator (forward pass, chain rule, gradient descent)."""

__version__ = "0.1.0"
