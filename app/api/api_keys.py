"""JSON API: api keys (routes to come)."""
