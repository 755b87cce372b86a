"""orchestra_sync package."""
