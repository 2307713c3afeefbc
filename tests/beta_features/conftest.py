"""Beta-feature tests: the API tests' world (a tenant with a user and a key per role, another
tenant, a platform key), and the tenant-plane fixtures for the test over every isolation strategy."""

from pathlib import Path

import pytest

from tests.api.conftest import api, world  # noqa: F401
from tests.isolation.support import drop_planes_after_each_test, strategy, use_scratch_places  # noqa: F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    use_scratch_places(items, Path(__file__).parent)
