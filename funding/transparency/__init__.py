"""Public transparency pages: every figure read from the ledger."""
