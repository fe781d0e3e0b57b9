"""Directory: streets, communities, service categories, organizations, enterprises, needs."""
