"""Benchmark: Colloquy's build against bare Pelican on the same generated corpus."""
