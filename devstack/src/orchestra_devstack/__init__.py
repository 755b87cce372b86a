"""orchestra_devstack package."""
