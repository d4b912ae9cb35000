"""momrel: release packaging for Momentry."""

__version__ = "0.1.0"
