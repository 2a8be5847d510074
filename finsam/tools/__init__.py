"""Tools: benchmarks, load generator, national generator."""
