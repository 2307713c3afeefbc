"""JSON API: openapi (routes to come)."""
