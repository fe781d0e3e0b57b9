"""Accounts: users, roles, login sessions and login throttling."""
