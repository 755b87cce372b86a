"""orchestra_expiry package."""
