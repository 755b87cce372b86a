"""orchestra_cli package."""
