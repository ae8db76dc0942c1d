"""Developer tooling shared by the tests and the benchmark (not used by the running product)."""
