"""The app package builder as a module, and the package it builds, for both test files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "appmanifest" / "build.py"
APP_ID = "12345678-abcd-4ef0-9876-0123456789ab"


@pytest.fixture(scope="session")
def build() -> ModuleType:
    """appmanifest/build.py as a module (appmanifest/ is a folder of sources, not a package)."""
    spec = importlib.util.spec_from_file_location("appmanifest_build", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def files(build: ModuleType) -> dict[str, bytes]:
    settings = build.resolve_settings(
        app_id=APP_ID, domain="bot.example.fi", version="1.2.3", public_url=None
    )
    result: dict[str, bytes] = build.build_package(settings)
    return result
