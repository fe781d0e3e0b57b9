"""Benchmarks of the matching library on seeded synthetic instances."""
