"""Programs (资助计划) and, later, the proposals submitted to them."""
