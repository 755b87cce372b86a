"""orchestra_api package."""
