"""Extraction, the batch runner, Parquet I/O, configuration and the command line."""

PIPELINE_VERSION = "0.1.0"
