"""Benchmarks of the generator: throughput, CPU per page, peak memory, and a sequential baseline."""
