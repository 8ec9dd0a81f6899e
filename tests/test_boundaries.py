"""The dependency rules of DESIGN section 1, checked by walking every module's imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "indexer", "crawlers", "matching", "webapp")
STDLIB = set(sys.stdlib_module_names)

# package -> our packages it must never import
FORBIDDEN = {
    "indexer": {"crawlers", "matching", "webapp"},
    "crawlers": {"matching", "webapp"},
    "matching": {"crawlers", "webapp"},
    "config": {"indexer", "crawlers", "matching", "webapp"},
}

# third-party module -> the only files (relative paths, prefix match) allowed to import it
CONFINED = {
    "scrapy": ("crawlers/",),
    "twisted": ("crawlers/",),
    "feedparser": ("crawlers/spiders/feed.py", "crawlers/feedreader.py"),
    "elasticsearch": ("indexer/elastic.py",),
    "elastic_transport": ("indexer/elastic.py",),
    "flask": ("webapp/",),
    "flask_wtf": ("webapp/",),
    "apscheduler": ("crawlers/scheduler.py", "webapp/jobs.py", "webapp/scheduler.py"),
}


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_module_respects_package_boundaries(path):
    package = _rel(path).split("/")[0]
    tops = {name.split(".")[0] for name in _imports(path)}
    assert not tops & FORBIDDEN.get(package, set()), (
        f"{_rel(path)} imports {tops & FORBIDDEN[package]}"
    )


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_third_party_modules_stay_confined(path):
    rel = _rel(path)
    for name in _imports(path):
        allowed = CONFINED.get(name.split(".")[0])
        if allowed is not None:
            assert rel.startswith(allowed), f"{rel} imports {name}; allowed only in {allowed}"


def test_records_uses_only_the_standard_library():
    tops = {n.split(".")[0] for n in _imports(ROOT / "indexer" / "records.py")}
    assert tops <= STDLIB | {"__future__"}, tops - STDLIB


def test_matching_imports_only_records_and_pure_libraries():
    for path in (ROOT / "matching").rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in ("indexer",):
                assert name == "indexer.records", f"{_rel(path)} imports {name}"
            else:
                assert top in STDLIB | {"__future__", "matching", "jinja2", "markupsafe"}, (
                    f"{_rel(path)} imports {name}"
                )


def test_matching_never_reads_the_clock():
    for path in (ROOT / "matching").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            reads_clock = (
                isinstance(node, ast.Attribute)
                and node.attr in ("now", "utcnow", "today")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("datetime", "date", "time")
            )
            assert not reads_clock, f"{_rel(path)}:{node.lineno} reads the clock"
