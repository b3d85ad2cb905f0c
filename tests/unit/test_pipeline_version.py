"""The declared pipeline version follows its sources: a change to them must bump it."""

from __future__ import annotations

from extractor.pipeline import version


def test_sources_hash_to_the_digest_declared_for_this_version() -> None:
    got = version.sources_sha256()
    assert got == version.SOURCES_SHA256, (
        "The pipeline's sources changed (extractor/pipeline/, text.py, schema.py, codebook.py or "
        "prompts/). Records made before this change may differ from what the code makes now: "
        f"bump PIPELINE_VERSION (it is {version.PIPELINE_VERSION}) in "
        f"extractor/pipeline/version.py and set SOURCES_SHA256 = {got!r}. Committed runs made "
        "by the old version then show as stale in `extractor check` until they are re-run."
    )


def test_the_digest_covers_what_decides_a_record() -> None:
    files = version.pipeline_sources()
    for name in (
        "extractor/schema.py",
        "extractor/text.py",
        "extractor/codebook.py",
        "extractor.pipeline/grounding.py",
        "extractor.prompt_files/events.v1.md",
        "extractor.prompt_files/tasks.v1.md",
    ):
        assert name in files, name
    assert "extractor.pipeline/version.py" not in files  # it holds the digest
    before = version.digest(files)
    for name in files:
        edited = {**files, name: files[name] + b" "}
        assert version.digest(edited) != before, f"an edit to {name} leaves the digest as it was"
