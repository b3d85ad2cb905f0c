"""Benchmarks: scripts that measure and print figures (run as ``python -m benchmarks.NAME``)."""
