"""Real servers on loopback (IMAP, CalDAV) for `syncd demo`, the tests and the benchmarks."""
