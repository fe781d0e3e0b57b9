"""Expert review: the relationship registry, conflict-free assignment, scores and summaries."""
