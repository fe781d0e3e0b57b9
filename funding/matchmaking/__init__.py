"""Matchmaking in the platform: the adapter to ``matching/``, batches, suggestions, fairs."""
