"""Benchmarks behind `make bench`: each module prints ratios against a baseline run in the same process."""
