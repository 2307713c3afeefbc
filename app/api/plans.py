"""JSON API: plans (routes to come)."""
