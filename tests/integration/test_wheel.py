"""A non-editable install works: the sdist builds a wheel that carries the prompts, and the wheel,
installed into a fresh virtual environment without ``-e``, extracts the seed article.

The build runs offline (``--no-isolation``, with the dev environment's pinned setuptools). The fresh
environment gets the wheel alone; its dependencies are reached through a ``.pth`` line naming the
dev environment's site-packages, whose own ``.pth`` files (the editable install's finder) are not
processed, so ``import extractor`` can only find the installed wheel. The extraction talks to the
canned loopback server, through the real openai + instructor path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from extractor.pipeline.prompts import load_prompt
from tests.conftest import ROOT
from tests.scale.canned_server import ARTICLE
from tests.scale.conftest import start_canned

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _build(args: list[str], out: Path, cwd: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", *args, "-o", str(out), "."],
        cwd=cwd,
        check=True,
        capture_output=True,
    )
    (built,) = [p for p in out.iterdir() if p.suffix in (".gz", ".whl")]
    return built


@pytest.fixture(scope="module")
def wheel_from_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    sdist = _build(["--sdist"], work / "sdist", ROOT)
    with tarfile.open(sdist) as tar:
        tar.extractall(work / "src", filter="data")
    (src,) = (work / "src").iterdir()
    return _build(["--wheel"], work / "wheel", src)


def test_the_wheel_built_from_the_sdist_carries_the_prompts(wheel_from_sdist: Path) -> None:
    names = set(zipfile.ZipFile(wheel_from_sdist).namelist())
    for prompt in sorted((ROOT / "prompts").glob("*.md")):
        assert f"extractor/prompt_files/{prompt.name}" in names
    assert "extractor/py.typed" in names
    packages = {p.parent.as_posix() for p in (ROOT / "extractor").rglob("__init__.py")}
    for package in packages:
        rel = Path(package).relative_to(ROOT).as_posix()
        assert f"{rel}/__init__.py" in names, f"package {rel} is missing from the wheel"


def test_installed_wheel_extracts_the_seed_against_a_loopback_server(
    wheel_from_sdist: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel_from_sdist)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "zz_dev_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import extractor.pipeline.prompts as p; print(p.__file__); print(p.prompt_files())",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(str(site) in w for w in where), where  # the wheel's code and prompts, not the repo's

    article = tmp_path / "seed.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    proc, url = start_canned()
    try:
        res = subprocess.run(
            [
                str(venv / "bin" / "extractor"),
                "extract",
                str(article),
                "--backend",
                f"openai-compatible/canned@{url}",
                "--strategy",
                "whole",  # the canned server's one reply is a whole-article extraction
                "-o",
                str(tmp_path / "out.jsonl"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        proc.kill()
        proc.wait()
    assert res.returncode == 0, res.stderr
    (line,) = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["error"] is None
    assert record["meta"]["prompt_sha256"] == load_prompt().sha256
    assert record["extraction"]["events"], record
