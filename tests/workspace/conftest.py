"""Tenant-plane tests: scratch places for files and tenant databases, all dropped after each test."""

from pathlib import Path

import pytest

from tests.isolation.support import STRATEGIES, drop_tenant_planes, use_scratch_places


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    use_scratch_places(items, Path(__file__).parent)


@pytest.fixture(autouse=True)
def _drop_tenant_planes(app):
    yield
    drop_tenant_planes()


@pytest.fixture(params=STRATEGIES)
def strategy(request) -> str:
    return request.param
