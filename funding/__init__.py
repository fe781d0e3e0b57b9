"""Linkage: the web application for rolling public-benefit venture funding."""
