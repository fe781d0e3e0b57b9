"""Grants: created when an agreement is signed; the money flows through the ledger."""
