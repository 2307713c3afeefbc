"""The API tests' world (a Professional tenant with a user and key per role, another tenant)."""

from tests.api.conftest import api, world  # noqa: F401
