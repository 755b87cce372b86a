"""orchestra_operator package."""
