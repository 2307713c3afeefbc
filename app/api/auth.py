"""JSON API: auth (routes to come)."""
