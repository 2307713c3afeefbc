"""Issue 9, finding 13: `make run` signed sessions and JWTs with a published key
(`dev-secret-change-me`). The development config now generates a key of the clone's own into
instance/secret_key on first run, and no config starts with a published example value."""

from __future__ import annotations

import stat

import pytest

from app import create_app


def _dev_app(tmp_path, **overrides):
    return create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}",
                                      "SECRET_KEY_FILE": str(tmp_path / "instance" / "secret_key"), **overrides})


def test_a_fresh_clone_gets_a_random_key_of_its_own_kept_across_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = _dev_app(tmp_path, SECRET_KEY="")
    key_file = tmp_path / "instance" / "secret_key"
    assert first.config["SECRET_KEY"] not in ("", "dev-secret-change-me") and len(first.config["SECRET_KEY"]) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _dev_app(tmp_path, SECRET_KEY="").config["SECRET_KEY"] == first.config["SECRET_KEY"]  # sessions survive a restart
    other_clone = _dev_app(tmp_path / "other", SECRET_KEY="")
    assert other_clone.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_a_key_from_the_environment_wins_and_writes_nothing(tmp_path):
    app = _dev_app(tmp_path, SECRET_KEY="from-the-environment-0123456789")
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789"
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("config", ["development", "production"])
@pytest.mark.parametrize("published", ["dev-secret-change-me", "change-me"])
def test_a_published_example_key_is_refused(tmp_path, config, published):
    with pytest.raises(RuntimeError, match="published"):
        create_app(config, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": published})


def test_production_without_a_key_still_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": ""})
