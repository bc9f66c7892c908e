"""Benchmarks: each prints its figures and, last, one JSON line with the ratio to a floor."""
