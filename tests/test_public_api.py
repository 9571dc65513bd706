"""The typed front door: what ``pressroom`` exports, ``py.typed``, the results' ``after``, and a CLI
that is a client of ``Site`` alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import pressroom
from pressroom import ActionResult, AfterResult, GitCommit, Outcome, SaveResult, Site
from tests.conftest import write

CLI = Path(pressroom.__file__).parent / "cli"
# What a command module may import from the package: Site and the types it exports, the errors.
CLI_MAY_IMPORT = {"pressroom.api", "pressroom.errors", "pressroom"}

POST = "schema: {type: object, properties: {title: {type: string}}}\n"


def test_every_exported_name_resolves() -> None:
    missing = [name for name in pressroom.__all__ if getattr(pressroom, name, None) is None]
    assert not missing


def test_the_package_says_it_is_typed() -> None:
    assert resources.files("pressroom").joinpath("py.typed").is_file()


def test_open_returns_the_class_it_is_called_on(site_dir: Path) -> None:
    assert type(Site.open(site_dir)) is Site


def test_store_changing_results_carry_what_ran_after(site: Site) -> None:
    write(site.root, "post/x", "title: X\n")
    saved = site.save("post/x")
    published = site.publish("post/x")
    assert isinstance(saved, SaveResult) and isinstance(saved, Outcome)
    assert isinstance(published, ActionResult) and [m.record for m in published.moves] == ["post/x"]
    # Nothing was committed (no --commit) and no hook is set, but the steps ran: an empty AfterResult.
    assert published.after == AfterResult(commit=None, hooks=[], problems=[], warnings=[])
    # A dry run changes nothing, so nothing runs after it.
    assert site.unpublish("post/x", dry_run=True).after is None


def test_after_is_keyword_only_so_positions_stay(site: Site) -> None:
    result = ActionResult("publish", True, after=AfterResult(commit=GitCommit("abc", "m")))
    assert result.action == "publish" and result.dry_run and result.after is not None
    with pytest.raises(TypeError):
        ActionResult("publish", True, [], [], [], [], None, AfterResult())  # type: ignore[call-arg]


def _package_imports(path: Path) -> list[tuple[str, int]]:
    """The package modules a CLI file imports, as absolute names, with their lines."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = ["pressroom", "cli"][:3 - node.level]
            target = ".".join([*base, *([node.module] if node.module else [])])
            out.append((target, node.lineno))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pressroom"):
            out.append((node.module or "", node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names if a.name.startswith("pressroom"))
    return out


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_the_cli_talks_only_to_site(path: Path) -> None:
    outside = [f"line {line}: {target}" for target, line in _package_imports(path)
               if target not in CLI_MAY_IMPORT and not target.startswith("pressroom.cli")]
    assert not outside, f"{path.name} reaches past Site: {', '.join(outside)}"


def test_the_import_check_sees_a_reach_past_site(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..models import require_model\nfrom .output import command\nfrom ..api import Site\n")
    assert _package_imports(probe) == [("pressroom.models", 1), ("pressroom.cli.output", 2), ("pressroom.api", 3)]


CLIENT = """\
from pressroom import ActionResult, Site


def committed(site: Site) -> str | None:
    result: ActionResult = site.publish("post/x")
    after = result.after
    if after is None or after.commit is None:
        return None
    return after.commit.sha
"""
# Without the None checks: caught only if ``after`` is typed (an ``Any`` would let it through).
CARELESS = """\
from pressroom import Site


def committed(site: Site) -> str:
    return Site.open(".").publish("post/x").after.commit.sha
"""


def test_a_client_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    (tmp_path / "client.py").write_text(CLIENT)
    (tmp_path / "careless.py").write_text(CARELESS)

    def mypy(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", name],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)

    good = mypy("client.py")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = mypy("careless.py")
    assert bad.returncode == 1, bad.stdout
    assert 'Item "None" of "AfterResult | None" has no attribute "commit"' in bad.stdout
