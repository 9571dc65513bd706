"""The site as it was: ``export --as-of`` and ``Site.published(as_of=)`` replay the event logs.

A year of scheduled publishes and unpublishes (each run given its time: the
clock of the events it logs) is exported at several dates as it goes; at the
end, the as-of exports of those dates must equal them byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import NotFoundError, Site, UsageError
from tests.conftest import write
from tests.workflow.test_link_strategies import link

AUTHOR = "schema:\n  type: object\n  properties:\n    name: {type: string}\n"


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def month(i: int, day: int = 1) -> str:
    return f"2031-{i:02d}-{day:02d}T09:00:00Z"


@pytest.fixture
def year(site: Site, tmp_path: Path) -> tuple[Site, dict[str, dict[str, bytes]], dict[str, list[str]]]:
    """A year of scheduled moves; the export and the published records at the end of each month."""
    (site.root / "models/author.yaml").write_text(AUTHOR)
    (site.root / "models/post.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        f"    author: {{type: string, x-link: {link('author', on_unpublish='clear')}}}\n")
    write(site.root, "author/ada", "name: Ada\n")
    write(site.root, "author/grace", "name: Grace\n")
    for i in range(4):
        write(site.root, f"post/p{i}", f"title: Post {i}\nauthor: {'ada' if i % 2 else 'grace'}\n")
    site.save(all=True)
    plan = {
        1: [("publish", "author/ada"), ("publish", "author/grace")],
        2: [("publish", "post/p0"), ("publish", "post/p1")],
        4: [("publish", "post/p2")],
        5: [("unpublish", "post/p0")],
        7: [("publish", "post/p3"), ("publish", "post/p0")],
        # on_unpublish: clear: p1 and p3 lose their author in new published versions.
        9: [("unpublish", "author/ada")],
        11: [("unpublish", "post/p2")],
        12: [("publish", "post/p2")],
    }
    exports: dict[str, dict[str, bytes]] = {}
    views: dict[str, list[str]] = {}
    for m in range(1, 13):
        for day, (action, record) in enumerate(plan.get(m, []), start=1):
            if m == 12:
                write(site.root, record, "title: Post 2, again\nauthor: grace\n")
                site.save(record)
            site.schedule(action, record, at=month(m, day))
            run = site.run_schedule(now=month(m, day))
            assert [a.outcome for a in run.actions] == ["done"]
        when = month(m, 20)
        out = tmp_path / f"live-{m}"
        site.export(out)
        exports[when] = files(out)
        views[when] = [r.record for r in site.published()]
    return site, exports, views


def test_exports_as_of_past_dates_equal_the_exports_taken_then(year, tmp_path: Path) -> None:
    site, exports, views = year
    assert len({tuple(v) for v in views.values()}) > 5, "the year must change the site"
    for when, expected in exports.items():
        out = tmp_path / f"as-of-{when[:10]}"
        site.export(out, as_of=when)
        assert files(out) == expected, when
        assert [r.record for r in site.published(as_of=when)] == views[when]


def test_as_of_between_events_and_before_the_first(year, tmp_path: Path) -> None:
    site, _exports, views = year
    # Between the cleared unpublish (09-01) and the end of the month: the same view.
    assert [r.record for r in site.published(as_of="2031-09-01T10:00:00+01:00")] == views[month(9, 20)]
    assert list(site.published(as_of="2030-06-01T00:00:00Z")) == []
    cleared = {r.record: r.data for r in site.published(as_of=month(9, 20))}
    assert cleared["post/p1"] == {"title": "Post 1"}
    before = {r.record: r.data for r in site.published(as_of=month(8, 20))}
    assert before["post/p1"] == {"title": "Post 1", "author": "ada"}


def test_log_site_lists_the_publish_events_of_a_period(year) -> None:
    site, _exports, _views = year
    result = site.log(published=True, since="2031-09-01T00:00:00Z", until="2031-09-30T00:00:00Z")
    moves = sorted((i.action, i.record) for i in result.items)
    # The unpublish of ada and the publishes of the two cleared posts; the saves of the clear are left out.
    assert moves == [("publish", "post/p1"), ("publish", "post/p3"), ("unpublish", "author/ada")]
    everything = site.log(since="2031-09-01T00:00:00Z", until="2031-09-30T00:00:00Z")
    assert {i.action for i in everything.items} == {"publish", "unpublish", "save"}
    with pytest.raises(UsageError, match="name no record"):
        site.log("post/p1", published=True)


def test_cli_export_as_of_and_log_site(year, cli, tmp_path: Path) -> None:
    site, exports, _views = year
    result = cli("export", "--out", str(tmp_path / "cli"), "--as-of", month(5, 20))
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "cli") == exports[month(5, 20)]
    code, env = cli.json("log", "--site", "--since", month(5, 1), "--until", month(5, 2))
    assert code == 0
    assert [(i["action"], i["record"]) for i in env["data"]["items"]] == [("unpublish", "post/p0")]
    assert cli("export", "--out", str(tmp_path / "x"), "--as-of", "2031-05-01").exit_code == 2


def test_a_version_gc_removed_is_refused_naming_the_record(site: Site, tmp_path: Path) -> None:
    (site.root / "models/post.yaml").write_text("max_versions: 1\n")
    write(site.root, "post/a", "title: one\n")
    site.save("post/a")
    site.schedule("publish", "post/a", at=month(1))
    site.run_schedule(now=month(1))
    write(site.root, "post/a", "title: two\n")
    site.save("post/a")
    site.schedule("publish", "post/a", at=month(2))
    site.run_schedule(now=month(2))
    assert site.gc(grace=0).removed
    assert [r.data for r in site.published(as_of=month(2, 2))] == [{"title": "two"}]
    with pytest.raises(NotFoundError) as e:
        site.export(tmp_path / "old", as_of=month(1, 2))
    assert e.value.where.record == "post/a"
    assert not (tmp_path / "old").exists()
