"""Tenant-plane tests: scratch places for files and tenant databases, all dropped after each test."""

from pathlib import Path

import pytest

from tests.isolation.support import drop_planes_after_each_test, strategy, use_scratch_places  # noqa: F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    use_scratch_places(items, Path(__file__).parent)
