"""``delete --depth N``: the on_delete strategies (and the on_unpublish ones they set off) stop N levels
from the deleted record; a strategy beyond that refuses, as for unpublish and archive."""

from __future__ import annotations

import pytest

from pressroom import RefusedError, Site, UsageError
from tests.conftest import Cli, store_files
from tests.workflow.test_link_strategies import chain, published, published_data, why


def test_depth_one_lets_the_referrer_go_and_refuses_the_next_level(site: Site) -> None:
    # author/ada <- post/hello (on_delete: unpublish) <- page/home (on_unpublish: unpublish)
    chain(site, {"on_delete": "unpublish"}, {"on_unpublish": "unpublish"})
    before = store_files(site.root)
    with pytest.raises(RefusedError, match="post/hello: is linked from page/home") as refused:
        site.delete("author/ada", depth=1)
    assert refused.value.problems[0].data["record"] == "page/home"
    assert store_files(site.root) == before
    assert (site.root / "content/author/ada.yaml").is_file()

    result = site.delete("author/ada", depth=2)
    assert why(result) == {"author/ada": ("delete", "named", None, None),
                           "post/hello": ("unpublish", "on_delete:unpublish", "author/ada", "author"),
                           "page/home": ("unpublish", "on_unpublish:unpublish", "post/hello", "posts[0]")}
    assert published(site) == {}


def test_depth_bounds_a_clear_one_level_down(site: Site) -> None:
    chain(site, {"on_delete": "unpublish"}, {"on_unpublish": "clear"})
    with pytest.raises(RefusedError, match="post/hello: is linked from page/home"):
        site.delete("author/ada", depth=1)
    result = site.delete("author/ada", depth=2)
    assert why(result)["page/home"] == ("publish", "on_unpublish:clear", "post/hello", "posts[0]")
    assert published_data(site, "page/home") == {"title": "Home", "posts": []}


def test_depth_one_is_enough_for_the_deleted_records_own_referrers(site: Site) -> None:
    chain(site, {"on_delete": "clear"})
    result = site.delete("author/ada", depth=1)
    assert why(result)["post/hello"] == ("publish", "on_delete:clear", "author/ada", "author")
    assert published_data(site, "post/hello") == {"title": "Hello"}
    assert "author/ada" not in site.store.snapshot().current


def test_without_depth_the_strategies_go_to_any_depth(site: Site) -> None:
    chain(site, {"on_delete": "unpublish"}, {"on_unpublish": "unpublish"})
    site.delete("author/ada")
    assert published(site) == {}


def test_a_depth_below_one_is_a_usage_error(site: Site) -> None:
    chain(site, {"on_delete": "unpublish"})
    with pytest.raises(UsageError, match="depth must be 1 or more"):
        site.delete("author/ada", depth=0)


def test_cli_depth_with_dry_run_shows_the_plan_the_real_run_makes(site: Site, cli: Cli) -> None:
    chain(site, {"on_delete": "unpublish"}, {"on_unpublish": "unpublish"})
    before = store_files(site.root)
    code, doc = cli.json("delete", "author/ada", "--depth", "1", "--yes")
    assert code == 1
    assert [(e["code"], e["record"]) for e in doc["errors"]] == [("referrer", "post/hello")]
    assert store_files(site.root) == before

    code, dry = cli.json("delete", "author/ada", "--depth", "2", "--dry-run")
    assert code == 0 and store_files(site.root) == before
    text = cli("delete", "author/ada", "--depth", "2", "--dry-run").stdout
    assert "would be unpublished page/home" in text and "on_unpublish:unpublish" in text
    code, real = cli.json("delete", "author/ada", "--depth", "2", "--yes")
    assert code == 0

    def shape(doc: dict) -> list[tuple[str, str, str]]:
        return [(m["record"], m["action"], m["reason"]) for m in doc["data"]["moves"]]

    assert shape(dry) == shape(real) == [("author/ada", "delete", "named"),
                                         ("page/home", "unpublish", "on_unpublish:unpublish"),
                                         ("post/hello", "unpublish", "on_delete:unpublish")]


def test_cli_depth_zero_exits_2(site: Site, cli: Cli) -> None:
    chain(site, {"on_delete": "unpublish"})
    result = cli("delete", "author/ada", "--depth", "0", "--yes")
    assert result.exit_code == 2
    assert site.status("author/ada").records[0].status == "published"
