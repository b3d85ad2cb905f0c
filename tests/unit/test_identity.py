"""What the model is sent, and what names the work, stay byte-identical across refactorings.

The prompt and schema sha256 are the identity of every recorded run (``extractor check`` fails a
run whose hashes differ); a cache key that changed would silently redo, and pay for, every cached
record. A deliberate change of wording or schema is a new prompt file or schema version: update
these figures with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from extractor.backends import GenerateSettings
from extractor.pipeline import (
    PIPELINE_VERSION,
    Constrain,
    PipelineSettings,
    Strategy,
    flat_settings,
    load_prompt,
    schema_sha256,
)
from extractor.run import Work, cache_key
from extractor.schema import Article

PROMPT_SHA256 = "db4ab801d6b23913fe495c3286ab0aa3007a0ef29c732147df9d4cdc861ab2a9"
SCHEMA_SHA256 = "a88ee362c3f1367f235620423467026d8ba35272a9f53404bd1d90ac9d1fd211"


class _Backend:
    id = "openai-compatible/m@http://127.0.0.1:9/v1"
    model = "m"

    def describe(self) -> dict[str, str]:
        url = "http://127.0.0.1:9/v1"
        return {"backend": self.id, "model": "m", "base_url": url, "instructor_mode": "json"}


ARTICLE = Article(
    id="a", text="Two soldiers were killed in Idlib on Monday.", published=dt.date(2019, 8, 7)
)


def test_prompt_and_schema_hashes_are_those_of_the_recorded_runs() -> None:
    assert load_prompt().sha256 == PROMPT_SHA256
    assert schema_sha256() == SCHEMA_SHA256


def test_cache_keys_are_stable() -> None:
    # Recomputed on 2026-12-02 when the pipeline version joined the key (every earlier cache entry
    # is a miss once); the settings split before that left them unchanged. A change here means
    # every cached record is paid for again: it must come with a reason.
    backend = _Backend()
    work = Work(load_prompt(), Strategy.SENTENCE)
    assert cache_key(backend, work, ARTICLE) == (  # type: ignore[arg-type]
        "6af14f8bb96990b2a49943acadfb72be18f27999f91e06a9eb5e70868c496b69"
    )
    other = Work(
        load_prompt(),
        Strategy.WHOLE,
        GenerateSettings(max_tokens=99),
        PipelineSettings(constrain=Constrain.ARTICLE),
    )
    assert cache_key(backend, other, ARTICLE) == (  # type: ignore[arg-type]
        "8579ddb281bb2ace2f057f934aa2685160799cb3620141519a67626f972a919f"
    )


def test_a_new_pipeline_version_changes_the_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    backend, work = _Backend(), Work(load_prompt(), Strategy.SENTENCE)
    before = cache_key(backend, work, ARTICLE)  # type: ignore[arg-type]
    monkeypatch.setattr("extractor.run.work.PIPELINE_VERSION", PIPELINE_VERSION + 1)
    assert cache_key(backend, work, ARTICLE) != before  # type: ignore[arg-type]


def test_flat_settings_keep_the_keys_and_order_run_files_record() -> None:
    flat = flat_settings(GenerateSettings(), PipelineSettings())
    assert list(flat) == [
        "temperature",
        "max_tokens",
        "max_tokens_focused",
        "max_retries",
        "token_budget",
        "article_token_budget",
        "timeout_s",
        "constrain",
        "seed",
    ]
    assert set(flat) == {f.name for f in dataclasses.fields(GenerateSettings)} | {
        f.name for f in dataclasses.fields(PipelineSettings)
    }


def test_backend_settings_hold_only_what_a_request_is_sent_with() -> None:
    request = {f.name for f in dataclasses.fields(GenerateSettings)}
    assert request == {
        "temperature",
        "max_tokens",
        "max_retries",
        "token_budget",
        "timeout_s",
        "seed",
    }
