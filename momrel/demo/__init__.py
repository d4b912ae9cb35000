"""The demo: synthetic Momentry data (seed) and the end-to-end demo job (run)."""
