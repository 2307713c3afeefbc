"""JSON API: audit (routes to come)."""
