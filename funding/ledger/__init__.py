"""The double-entry ledger in integer fen: every movement of money, and every balance."""
