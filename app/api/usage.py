"""JSON API: usage (routes to come)."""
