"""The typed front door: what ``pressroom`` exports, ``py.typed``, the results' ``after``, and a CLI
that is a client of ``Site`` alone."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import inspect
import json
import subprocess
import sys
import typing
from importlib import resources
from pathlib import Path

import pytest

import pressroom
from pressroom import ActionResult, AfterResult, GitCommit, Outcome, SaveResult, Site, Status, UsageError
from tests.conftest import Cli, write

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


# Annotations naming a type of another package, which pressroom need not export.
FOREIGN = {"Model.validator"}  # a jsonschema validator


def _result_types() -> tuple[dict[type, str], list[str]]:
    """Every dataclass, enum and TypedDict a public ``Site`` method returns, or that one of
    those holds (at any depth), with where it was first met; and the annotations not resolved."""
    names = {name: getattr(pressroom, name) for name in pressroom.__all__}
    found: dict[type, str] = {}
    unresolved: list[str] = []

    def hints(tp: type) -> dict[str, object]:
        out: dict[str, object] = {}
        for klass in reversed(tp.__mro__):
            scope = {**names, **vars(sys.modules[klass.__module__])}
            for name, ann in getattr(klass, "__annotations__", {}).items():
                try:
                    out[name] = eval(ann, scope) if isinstance(ann, str) else ann
                except NameError:
                    unresolved.append(f"{klass.__name__}.{name}")
        return out

    def walk(tp: object, where: str) -> None:
        if typing.get_origin(tp) is not None:
            for arg in typing.get_args(tp):
                walk(arg, where)
        elif isinstance(tp, type) and (dataclasses.is_dataclass(tp) or issubclass(tp, enum.Enum)
                                       or typing.is_typeddict(tp)) and tp not in found:
            found[tp] = where
            if not issubclass(tp, enum.Enum):
                for name, ann in hints(tp).items():
                    walk(ann, f"{tp.__name__}.{name}")

    for name, method in inspect.getmembers(Site, callable):
        if not name.startswith("_"):
            ann = inspect.signature(method).return_annotation
            scope = {**vars(sys.modules[method.__module__]), **names, "Self": Site}
            walk(eval(ann, scope) if isinstance(ann, str) else ann, f"Site.{name}")
    return found, unresolved


def test_every_type_a_result_holds_is_exported() -> None:
    found, unresolved = _result_types()
    assert set(unresolved) <= FOREIGN, unresolved
    exported = {id(getattr(pressroom, name)) for name in pressroom.__all__}
    missing = sorted(f"{tp.__module__}.{tp.__name__} (in {where})" for tp, where in found.items()
                     if id(tp) not in exported)
    assert not missing, f"not importable from pressroom: {missing}"
    # The walk sees deep: a type met only inside another result's field.
    assert {"Record", "Schedule", "Status", "LogEntry", "Move", "GcObject"} <= {tp.__name__ for tp in found}


def test_the_export_check_sees_a_type_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pressroom, "__all__", [n for n in pressroom.__all__ if n != "GcObject"])
    with pytest.raises(AssertionError, match="pressroom.store.gc.GcObject"):
        test_every_type_a_result_holds_is_exported()


def _utc(when: object) -> str:
    """An aware UTC datetime as the store and JSON write it; anything else fails the test."""
    assert isinstance(when, dt.datetime) and when.utcoffset() == dt.timedelta(0), when
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_statuses_are_a_str_enum_and_times_aware_utc_datetimes_while_json_keeps_the_text(site: Site) -> None:
    write(site.root, "post/x", "title: X\n")
    write(site.root, "post/y", "title: Y\n")
    site.save("post/x", "post/y")
    site.publish("post/x")
    rows = {r.record: r for r in site.status().records}
    assert rows["post/x"].status is Status.PUBLISHED and rows["post/y"].status is Status.DRAFT
    record = site.get("post/x")
    assert record.status is Status.PUBLISHED
    assert [r.status for r in site.records("post")] == [Status.PUBLISHED, Status.DRAFT]
    event = [e for e in site.store.read_log("post/x") if e["action"] == "publish"][-1]
    version = site.store.get_version(record.version)
    assert _utc(record.published_at) == _utc(rows["post/x"].published_at) == event["time"]
    assert _utc(record.updated_at) == _utc(rows["post/x"].updated_at) == version.time
    assert record.document()["published_at"] == event["time"] and record.document()["updated_at"] == version.time
    log = site.log("post/x")
    assert [_utc(e.time) for e in log.items] == [event["time"], version.time]
    assert _utc(site.show("post/x").time) == version.time

    code, status = Cli(site.root).json("status")
    rows_json = {r["record"]: r for r in status["data"]["records"]}
    assert code == 0 and rows_json["post/x"]["status"] == "published" and rows_json["post/y"]["status"] == "draft"
    assert rows_json["post/x"]["published_at"] == event["time"] and rows_json["post/x"]["updated_at"] == version.time
    code, shown = Cli(site.root).json("log", "post/x")
    assert [i["time"] for i in shown["data"]["items"]] == [event["time"], version.time]
    # A StrEnum is its string to json, and equal to it.
    assert json.dumps({"s": Status.UPDATED}) == '{"s": "updated"}' and Status.UPDATED == "updated"


def test_schedule_times_are_aware_utc_datetimes_and_their_files_keep_the_text(site: Site) -> None:
    write(site.root, "post/x", "title: X\n")
    site.save("post/x")
    made = site.schedule("publish", "post/x", at="2030-01-02T03:04:05+02:00").schedule
    assert _utc(made.at) == "2030-01-02T01:04:05Z" and made.created <= dt.datetime.now(dt.timezone.utc)
    stored = json.loads((site.root / ".press" / made.path).read_text())
    assert (stored["at"], stored["created"], stored["finished"]) == ("2030-01-02T01:04:05Z", _utc(made.created), None)
    nxt = site.next_schedule(now="2030-01-02T01:04:04Z")
    assert nxt.at == made.at and not nxt.due
    run = site.run_schedule(now="2030-01-02T01:04:05Z")
    assert _utc(run.now) == "2030-01-02T01:04:05Z" and [_utc(a.at) for a in run.actions] == ["2030-01-02T01:04:05Z"]
    [done] = site.schedules(all=True).schedules
    assert done.state == "done" and done.finished is not None and _utc(done.finished)
    code, listed = Cli(site.root).json("schedule", "list", "--all")
    assert code == 0 and listed["data"]["schedules"][0]["at"] == "2030-01-02T01:04:05Z"
    assert listed["data"]["schedules"][0]["finished"] == _utc(done.finished)


def test_time_arguments_take_an_aware_datetime_and_refuse_a_naive_one(site: Site) -> None:
    write(site.root, "post/x", "title: X\n")
    site.save("post/x")
    paris = dt.timezone(dt.timedelta(hours=1))
    made = site.schedule("publish", "post/x", at=dt.datetime(2030, 1, 2, 4, 4, 5, tzinfo=paris)).schedule
    assert _utc(made.at) == "2030-01-02T03:04:05Z"
    assert site.next_schedule(now=made.at).due and not site.next_schedule(now="2030-01-02T03:04:04Z").due
    with pytest.raises(UsageError, match="has no UTC offset"):
        site.schedule("publish", "post/x", at=dt.datetime(2030, 1, 2))
    assert site.run_schedule(now=made.at).ok and site.get("post/x").published_at == made.at
    future = made.at + dt.timedelta(days=1)
    assert [e.action for e in site.log(since=made.at, until=future).items] == ["publish"]
    assert site.log(since=future).items == []


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


def test_a_stored_time_that_is_no_time_is_store_damage_not_a_traceback(site: Site) -> None:
    write(site.root, "post/x", "title: X\n")
    site.save("post/x")
    site.publish("post/x")
    log = site.root / ".press" / "logs" / "post" / "x"
    *saved, published = log.read_text().splitlines()
    damaged = json.dumps({**json.loads(published), "time": "yesterday"})
    log.write_text("".join(f"{line}\n" for line in [*saved, damaged]))
    with pytest.raises(pressroom.StoreDamagedError, match="'yesterday' is not a time"):
        site.log("post/x")
    result = Cli(site.root)("log", "post/x")
    assert result.exit_code == 4 and "'yesterday' is not a time" in result.stderr
    assert "Traceback" not in result.stderr
