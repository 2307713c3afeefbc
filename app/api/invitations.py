"""JSON API: invitations (routes to come)."""
