"""JSON API: documents (routes to come)."""
