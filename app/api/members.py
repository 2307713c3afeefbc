"""JSON API: members (routes to come)."""
