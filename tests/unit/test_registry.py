"""The backend registry: providers registered by decorator, imported only when used."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from extractor.backends import (
    Backend,
    BackendSpec,
    get_backend,
    providers,
    register_backend,
    registry,
)
from extractor.errors import ConfigError


def test_built_in_providers_are_registered() -> None:
    assert providers()[:4] == ("local", "openai", "openai-compatible", "provider")


def test_a_registered_factory_builds_its_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    seen: list[BackendSpec] = []

    @register_backend("stub")
    def _stub(spec: BackendSpec, **kwargs: Any) -> Backend:
        seen.append(spec)
        return object()  # type: ignore[return-value]

    get_backend("stub/model@http://127.0.0.1:1/v1?mode=tools")
    assert seen == [BackendSpec("stub", "model", "http://127.0.0.1:1/v1", {"mode": "tools"})]
    with pytest.raises(ConfigError, match="use local/, openai/, openai-compatible/, stub/ or"):
        get_backend("nope/model")


def test_importing_the_backends_imports_no_sdk() -> None:
    code = (
        "import sys, extractor.backends; print(sorted({'openai', 'instructor'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
