"""The home page and each role's dashboard."""
