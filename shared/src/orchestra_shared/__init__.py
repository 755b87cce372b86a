"""orchestra_shared package."""
