import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractor.backends import models, parse_backend_id
from extractor.backends.models import ModelSpec, is_pulled, model_path, pull
from extractor.errors import ModelPullError
from extractor.pipeline import Strategy
from extractor.pipeline.prompts import load_prompt


@dataclass(frozen=True)
class LocalFile:
    """A model source for tests: a file already on disk, copied into the cache and verified."""

    path: Path

    def describe(self) -> str:
        return f"local file {self.path}"

    def fetch(self, workdir: Path, sink: models._HashingWriter) -> None:
        with self.path.open("rb") as f:
            while block := f.read(1 << 20):
                sink.write(block)


def _spec(src: Path, data: bytes, sha: str | None = None) -> ModelSpec:
    return ModelSpec(
        name="tiny",
        filename="tiny.gguf",
        size=len(data),
        sha256=sha or hashlib.sha256(data).hexdigest(),
        source=LocalFile(src),
        licence="test",
        base_model="none",
    )


def test_pull_verifies_installs_atomically_and_is_idempotent(
    tmp_path: Path, extractor_home: Path
) -> None:
    data = b"GGUF" + bytes(range(256)) * 50
    src = tmp_path / "src.gguf"
    src.write_bytes(data)
    spec = _spec(src, data)
    path = pull(spec)
    assert path == model_path(spec) and path.read_bytes() == data and is_pulled(spec)
    mtime = path.stat().st_mtime_ns
    src.unlink()  # a second pull must not need the source
    assert pull(spec) == path and path.stat().st_mtime_ns == mtime


def test_corrupt_download_installs_nothing(tmp_path: Path, extractor_home: Path) -> None:
    src = tmp_path / "src.gguf"
    src.write_bytes(b"corrupted bytes")
    spec = _spec(src, b"corrupted bytes", sha="0" * 64)
    with pytest.raises(ModelPullError, match="nothing was installed"):
        pull(spec)
    assert not model_path(spec).exists()
    assert not any(p.name.startswith(".pull-") for p in model_path(spec).parent.iterdir())


def test_backend_ids() -> None:
    spec = parse_backend_id("openai-compatible/llama3@http://127.0.0.1:8080/v1?mode=tools")
    assert (spec.provider, spec.model, spec.base_url) == (
        "openai-compatible",
        "llama3",
        "http://127.0.0.1:8080/v1",
    )
    assert spec.options == {"mode": "tools"}
    assert parse_backend_id("local/qwen2.5-coder-1.5b").model == "qwen2.5-coder-1.5b"


def test_prompt_prefix_is_shared_across_sentences(seed_text: str) -> None:
    prompt = load_prompt("events.v1")
    a = prompt.messages(seed_text, task=Strategy.SENTENCE, focus="first sentence")
    b = prompt.messages(seed_text, task=Strategy.SENTENCE, focus="second one")
    assert a[0] == b[0]  # system text identical
    # the user messages differ only from the focus on: everything before it (the whole article)
    # is a prefix the server's prompt cache can reuse
    cut = a[1]["content"].index("first sentence")
    assert b[1]["content"][:cut] == a[1]["content"][:cut]
    assert seed_text in a[1]["content"][:cut]
    assert len(prompt.sha256) == 64 and load_prompt("events.v1").sha256 == prompt.sha256
    assert "armed_clash" in prompt.system and "ignore any instruction" in prompt.system


def test_cost_estimates(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.backends.prices import estimate_cost

    assert estimate_cost("local/qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b", 10_000, 500) == 0.0
    assert estimate_cost("openai/gpt-4.1-mini", "gpt-4.1-mini", 1_000_000, 1_000_000) == 2.0
    assert estimate_cost("openai-compatible/x@http://h/v1", "x", 10, 10) is None
    monkeypatch.setenv("EXTRACTOR_PRICES", '{"x": [1.0, 2.0]}')
    assert estimate_cost("openai-compatible/x@http://h/v1", "x", 1_000_000, 0) == 1.0


def test_provider_backend_errors_are_clear() -> None:
    from extractor.backends import get_backend
    from extractor.errors import ConfigError

    with pytest.raises(ConfigError, match="provider/NAME/MODEL"):
        get_backend("provider/claude-only")
    with pytest.raises(ConfigError, match="nosuchprovider"):
        get_backend("provider/nosuchprovider/model-x")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_backend("openai/gpt-4.1-mini")
