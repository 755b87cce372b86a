"""One module per generated page; each returns what to write, or nothing to skip it."""
