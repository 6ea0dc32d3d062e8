"""Real HTTP sites served on loopback for the functional tests and the benchmark."""
