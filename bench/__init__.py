"""Benchmarks (not tests): they print figures."""
