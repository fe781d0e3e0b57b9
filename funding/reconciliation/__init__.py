"""Bank statement reconciliation: credits on the foundation's account matched to the pledge
instalments they pay, confirmed through the same receipt service as the pledge page."""
