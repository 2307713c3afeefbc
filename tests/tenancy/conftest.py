"""Tenancy tests drive the API's routes; they share its fixtures."""

from tests.api.conftest import api, world  # noqa: F401
