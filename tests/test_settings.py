from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BUNDLED_CONTENT_DIR, SettingsError, load_settings


def test_defaults_are_local_mode_on_loopback() -> None:
    settings = load_settings({})
    assert settings.host == "127.0.0.1"
    assert settings.port == 3978
    assert settings.local_mode
    assert settings.content_dir == BUNDLED_CONTENT_DIR
    assert settings.default_language == "fi"


def test_app_credentials_leave_local_mode() -> None:
    settings = load_settings({"APP_ID": "abc", "APP_PASSWORD": "secret", "BOT_HOST": "0.0.0.0"})
    assert not settings.local_mode
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_PORT": "http"}, "BOT_PORT"),
        ({"BOT_PORT": "70000"}, "BOT_PORT"),
        ({"BOT_PORT": "-1"}, "BOT_PORT"),
        ({"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"),
        ({"APP_TYPE": "Anything"}, "APP_TYPE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"MAX_BODY_BYTES": "12"}, "MAX_BODY_BYTES"),
        ({"BOT_HOST": "0.0.0.0"}, "BOT_HOST"),
        ({"BOT_HOST": "192.168.1.10"}, "BOT_HOST"),
        ({"APP_ID": "abc"}, "APP_PASSWORD"),
        ({"APP_ID": "abc", "APP_PASSWORD": "x", "APP_TYPE": "SingleTenant"}, "APP_TENANTID"),
        ({"CONTENT_DIR": "/nonexistent/pack"}, "CONTENT_DIR"),
        ({"QA_SEMANTIC": "maybe"}, "QA_SEMANTIC"),
    ],
)
def test_bad_values_stop_startup_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_overrides_win_over_environment(tmp_path: Path) -> None:
    settings = load_settings({"BOT_PORT": "4000"}, port=4100, host="::1")
    assert settings.port == 4100
    assert settings.host == "::1"


def test_user_assigned_msi_needs_no_password() -> None:
    settings = load_settings(
        {"APP_ID": "abc", "APP_TYPE": "UserAssignedMSI", "BOT_HOST": "0.0.0.0"}
    )
    assert settings.app_type == "UserAssignedMSI"


def test_semantic_layer_is_on_unless_switched_off() -> None:
    assert load_settings({}).qa_semantic is True
    assert load_settings({"QA_SEMANTIC": "OFF"}).qa_semantic is False
    assert load_settings({"QA_SEMANTIC": " on "}).qa_semantic is True
