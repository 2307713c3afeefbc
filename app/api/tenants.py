"""JSON API: tenants (routes to come)."""
