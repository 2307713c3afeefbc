"""JSON API: search (routes to come)."""
