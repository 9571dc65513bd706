"""``press resolve`` applies the link strategies, as publish and unpublish do.

Each test makes two branches with the real `git`, merges them into a ref conflict, and resolves it:
a published version taken brings in what its ``on_publish: publish`` links name (to any depth), and
a side that takes the record out of the published view sets off its referrers' ``on_unpublish``
(``on_delete`` when that side deleted it). ``--dry-run`` shows the same moves and versions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressroom import RefusedError, Site
from pressroom.records import load_record
from tests.automation.conftest import git, git_home, init_repo  # noqa: F401 (git_home: a fixture)
from tests.conftest import run_press, store_files, write
from tests.workflow.test_link_strategies import AUTHOR, link


def models(root: Path, post: dict[str, str], page: dict[str, str] | None = None) -> None:
    """author; post.author links to author, page.posts to posts, each link with the strategies given."""
    (root / "models").mkdir(exist_ok=True)
    (root / "models/author.yaml").write_text(AUTHOR)
    (root / "models/post.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        f"    author: {{type: string, x-link: {link('author', **post)}}}\n")
    (root / "models/page.yaml").write_text(
        "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
        f"    posts: {{type: array, items: {{type: string, x-link: {link('post', **(page or {}))}}}}}\n")


def repo_with(root: Path, post: dict[str, str], page: dict[str, str] | None = None) -> Site:
    init_repo(root)
    Site.init(root)
    models(root, post, page)
    assert run_press(root, "merge-driver", "install").returncode == 0
    return Site.open(root)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def save(site: Site, record: str, text: str, *, publish: bool = False) -> str:
    write(site.root, record, text)
    version = site.save(record).saved[0].version
    if publish:
        site.publish(record)
    return version


def merge(root: Path) -> None:
    merged = git(root, "merge", "--no-edit", "feature", check=False)
    assert merged.returncode != 0, merged.stdout + merged.stderr  # left in conflict


def snap(site: Site) -> tuple[dict[str, str], dict[str, str]]:
    s = Site.open(site.root).store.snapshot(conflicts_ok=True)
    return s.current, s.published


def why(moves: list[dict]) -> dict[str, tuple[str, str, str | None, str | None]]:
    return {m["record"]: (m["action"], m["reason"], m["via"], m["path"]) for m in moves}


# on_publish: the side taken publishes a version linking to a draft


def _post_links_a_withdrawn_author(root: Path, post: dict[str, str]) -> Site:
    """author/ada and post/x published; the feature branch makes post/x link to ada, main unpublishes
    ada and edits post/x: after the merge ada is a draft and post/x's refs are in conflict."""
    site = repo_with(root, post)
    save(site, "author/ada", "name: Ada\n", publish=True)
    save(site, "post/x", "title: X\n", publish=True)
    commit(root, "start")
    git(root, "checkout", "-q", "-b", "feature")
    save(site, "post/x", "title: X by Ada\nauthor: ada\n", publish=True)
    commit(root, "feature: x links ada")
    git(root, "checkout", "-q", "main")
    site.unpublish("author/ada")
    save(site, "post/x", "title: X on main\n", publish=True)
    commit(root, "main: ada withdrawn, x edited")
    merge(root)
    return site


def test_on_publish_publish_brings_the_linked_draft_in(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    site = _post_links_a_withdrawn_author(root, {"on_publish": "publish"})
    current, _published = snap(site)
    assert "author/ada" not in _published

    result = run_press(root, "resolve", "post/x", "--theirs", "--json")
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    data = json.loads(result.stdout)["data"]
    assert why(data["moves"]) == {"author/ada": ("publish", "on_publish:publish", "post/x", "author")}
    _current, published = snap(site)
    assert published["author/ada"] == current["author/ada"]
    assert load_record(Site.open(root).show("post/x@published").content, "x")["author"] == "ada"
    events = Site.open(root).store.read_log("author/ada")
    assert (events[-1]["action"], events[-1]["reason"], events[-1]["via"]) == ("publish", "on_publish:publish",
                                                                               "post/x")
    git(root, "commit", "-q", "--no-edit")
    assert run_press(root, "fsck").returncode == 0


def test_on_publish_refuse_still_refuses_the_side(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _post_links_a_withdrawn_author(root, {})
    before = store_files(root)
    result = run_press(root, "resolve", "post/x", "--theirs", "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert [(e["code"], e["record"]) for e in doc["errors"]] == [("unpublished_link", "post/x")]
    assert store_files(root) == before


def test_on_publish_publish_in_a_chain_of_three(tmp_path: Path, git_home: Path) -> None:
    """page/home's version taken links to post/y, a draft linking to author/ada, a draft: both come in."""
    root = tmp_path / "repo"
    site = repo_with(root, {"on_publish": "publish"}, {"on_publish": "publish"})
    save(site, "author/ada", "name: Ada\n")
    save(site, "post/y", "title: Y\nauthor: ada\n")
    save(site, "page/home", "title: Home\nposts: []\n", publish=True)
    commit(root, "start")
    git(root, "checkout", "-q", "-b", "feature")
    linking = save(site, "page/home", "title: Home\nposts: [y]\n")  # saved, never published
    save(site, "page/home", "title: Home on feature\nposts: []\n", publish=True)
    commit(root, "feature")
    git(root, "checkout", "-q", "main")
    save(site, "page/home", "title: Home on main\nposts: []\n", publish=True)
    commit(root, "main")
    merge(root)

    result = Site.open(root).resolve("page/home", version=linking[:10])
    assert {m.record: (m.reason, m.via, m.path) for m in result.moves} == {
        "post/y": ("on_publish:publish", "page/home", "posts[0]"),
        "author/ada": ("on_publish:publish", "post/y", "author")}
    current, published = snap(site)
    assert published == {"page/home": linking, "post/y": current["post/y"], "author/ada": current["author/ada"]}
    git(root, "commit", "-q", "--no-edit")
    assert run_press(root, "fsck").returncode == 0


# on_unpublish / on_delete: the side taken withdraws a record another branch linked to


def _author_withdrawn_on_main(root: Path, post: dict[str, str], page: dict[str, str] | None, action: str) -> Site:
    """author/ada published; feature edits and publishes ada, and publishes post/y (and page/home)
    linking to her; main withdraws ada (``action``). After the merge ada's refs are in conflict."""
    site = repo_with(root, post, page)
    save(site, "author/ada", "name: Ada\n", publish=True)
    commit(root, "start")
    git(root, "checkout", "-q", "-b", "feature")
    save(site, "author/ada", "name: Ada Lovelace\n", publish=True)
    save(site, "post/y", "title: Y\nauthor: ada\n")
    save(site, "page/home", "title: Home\nposts: [y]\n")
    site.publish("page/home", cascade=True)
    commit(root, "feature: new ada, y and home link her")
    git(root, "checkout", "-q", "main")
    if action == "archive":
        # Archived at a new draft, not at the published version: an archived ref file holding the bytes
        # of the published one git deleted would be taken for a rename, and the other side's publish
        # carried over to it without a conflict.
        site.unpublish("author/ada")
        save(site, "author/ada", "name: Ada (withdrawn)\n")
    getattr(site, action)("author/ada")
    commit(root, f"main: {action} ada")
    merge(root)
    return site


@pytest.mark.parametrize(("action", "strategy"), [("unpublish", "on_unpublish"), ("archive", "on_unpublish"),
                                                  ("delete", "on_delete")])
def test_clear_when_the_side_taken_withdraws_the_target(tmp_path: Path, git_home: Path, action: str,
                                                        strategy: str) -> None:
    root = tmp_path / "repo"
    other = "on_delete" if strategy == "on_unpublish" else "on_unpublish"
    # The other event's strategy refuses: only the one the side taken sets off may act.
    site = _author_withdrawn_on_main(root, {strategy: "clear", other: "refuse"}, None, action)
    before_current, before_published = snap(site)

    result = Site.open(root).resolve("author/ada", ours=True)
    assert {m.record: (m.action, m.reason, m.via, m.path) for m in result.moves} == {
        "post/y": ("publish", f"{strategy}:clear", "author/ada", "author")}
    (created,) = result.versions
    assert (created.record, created.parent, created.reason) == ("post/y", before_published["post/y"],
                                                                f"{strategy}:clear")
    current, published = snap(site)
    assert "author/ada" not in published
    assert published["post/y"] == current["post/y"] == created.version
    assert load_record(Site.open(root).show("post/y@published").content, "y") == {"title": "Y"}
    # The working file held current's bytes: it follows.
    assert (root / "content/post/y.yaml").read_text() == "title: Y\n"
    assert published["page/home"] == before_published["page/home"]  # it links to y, which stays
    if action == "delete":
        assert "author/ada" not in current
    else:
        assert Site.open(root).status("author/ada").records[0].status == {"unpublish": "draft",
                                                                          "archive": "archived"}[action]
    if action == "delete":
        git(root, "rm", "-q", "content/author/ada.yaml")  # git's own modify/delete of the working file
    git(root, "add", "content/post/y.yaml")
    git(root, "commit", "-q", "--no-edit")
    assert run_press(root, "fsck").returncode == 0
    assert before_current["post/y"] != current["post/y"]


@pytest.mark.parametrize(("action", "strategy"), [("unpublish", "on_unpublish"), ("archive", "on_unpublish"),
                                                  ("delete", "on_delete")])
def test_unpublish_in_a_chain_of_three(tmp_path: Path, git_home: Path, action: str, strategy: str) -> None:
    root = tmp_path / "repo"
    site = _author_withdrawn_on_main(root, {strategy: "unpublish"}, {"on_unpublish": "unpublish"}, action)
    result = Site.open(root).resolve("author/ada", ours=True)
    assert {m.record: (m.action, m.reason, m.via, m.path) for m in result.moves} == {
        "post/y": ("unpublish", f"{strategy}:unpublish", "author/ada", "author"),
        "page/home": ("unpublish", "on_unpublish:unpublish", "post/y", "posts[0]")}
    assert snap(site)[1] == {}
    events = Site.open(root).store.read_log("page/home")
    assert (events[-1]["action"], events[-1]["reason"], events[-1]["via"]) == ("unpublish",
                                                                               "on_unpublish:unpublish", "post/y")


def test_on_delete_decides_when_the_side_taken_deleted_the_target(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _author_withdrawn_on_main(root, {"on_unpublish": "unpublish", "on_delete": "refuse"}, None, "delete")
    before = store_files(root)
    with pytest.raises(RefusedError, match="not be closed under links") as refused:
        Site.open(root).resolve("author/ada", ours=True)
    assert refused.value.cause == "resolve.unclosed_referrers"
    assert store_files(root) == before


def test_a_chain_that_ends_in_refuse_is_refused_whole(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _author_withdrawn_on_main(root, {"on_unpublish": "unpublish"}, {"on_unpublish": "refuse"}, "unpublish")
    before = store_files(root)
    result = run_press(root, "resolve", "author/ada", "--ours", "--json")
    assert result.returncode == 1
    errors = json.loads(result.stdout)["errors"]
    assert [(e["code"], e["record"]) for e in errors] == [("unpublished_link", "page/home")]
    assert store_files(root) == before


def test_taking_the_side_that_keeps_the_target_sets_nothing_off(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    site = _author_withdrawn_on_main(root, {"on_unpublish": "unpublish"}, {"on_unpublish": "unpublish"},
                                     "unpublish")
    result = Site.open(root).resolve("author/ada", theirs=True)
    assert result.moves == [] and result.versions == []
    assert set(snap(site)[1]) == {"author/ada", "post/y", "page/home"}


def test_commit_stages_what_the_strategies_moved_for_the_merge_commit(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _author_withdrawn_on_main(root, {"on_unpublish": "clear"}, None, "unpublish")
    result = run_press(root, "resolve", "author/ada", "--ours", "--commit", "--json")
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    files = json.loads(result.stdout)["data"]["after"]["commit"]["files"]
    assert {".press/refs/published/post/y", ".press/refs/current/post/y",
            ".press/logs/post/y", "content/post/y.yaml"} <= set(files)
    git(root, "commit", "-q", "--no-edit")
    assert git(root, "status", "--porcelain").stdout == ""
    assert run_press(root, "fsck").returncode == 0


# --dry-run


def test_dry_run_shows_the_moves_and_versions_the_real_run_makes(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _author_withdrawn_on_main(root, {"on_unpublish": "clear"}, {"on_unpublish": "unpublish"}, "archive")
    before = store_files(root)
    unmerged = git(root, "diff", "--name-only", "--diff-filter=U").stdout

    dry = run_press(root, "resolve", "author/ada", "--ours", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stdout.decode() + dry.stderr.decode()
    assert store_files(root) == before
    assert git(root, "diff", "--name-only", "--diff-filter=U").stdout == unmerged  # git told nothing
    text = run_press(root, "resolve", "author/ada", "--ours", "--dry-run").stdout.decode()
    assert "would be published post/y" in text and "on_unpublish:clear, its field author links to author/ada" in text
    assert "would be saved post/y" in text and "dry run: nothing changed" in text

    real = run_press(root, "resolve", "author/ada", "--ours", "--json")
    assert real.returncode == 0

    def shape(doc: dict) -> tuple[object, ...]:
        data = doc["data"]
        return ([(m["record"], m["action"], m["reason"], m["via"], m["path"], m["status_after"])
                 for m in data["moves"]],
                [(v["record"], v["parent"], v["reason"]) for v in data["versions"]],
                [(r["kind"], r["chosen"]) for r in data["resolved"]])

    dry_doc, real_doc = json.loads(dry.stdout), json.loads(real.stdout)
    assert shape(dry_doc) == shape(real_doc)
    assert dry_doc["data"]["dry_run"] is True and real_doc["data"]["dry_run"] is False
    assert shape(real_doc)[0] == [("post/y", "publish", "on_unpublish:clear", "author/ada", "author", "published")]


def test_dry_run_of_a_refused_side_lists_the_problems_and_exits_1(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    _post_links_a_withdrawn_author(root, {})
    before = store_files(root)
    dry = run_press(root, "resolve", "post/x", "--theirs", "--dry-run", "--json")
    assert dry.returncode == 1
    assert [(e["code"], e["record"]) for e in json.loads(dry.stdout)["errors"]] == [("unpublished_link", "post/x")]
    assert b"refused: nothing would be resolved" in run_press(root, "resolve", "post/x", "--theirs",
                                                               "--dry-run").stderr
    assert store_files(root) == before


# what a strategy cannot do


def test_a_strategy_that_would_publish_an_invalid_record_is_refused(tmp_path: Path, git_home: Path) -> None:
    root = tmp_path / "repo"
    site = _post_links_a_withdrawn_author(root, {"on_publish": "publish"})
    # ada's model now requires what her current version lacks.
    (root / "models/author.yaml").write_text(AUTHOR + "  required: [born]\n")
    before = store_files(root)
    with pytest.raises(RefusedError) as refused:
        Site.open(root).resolve("post/x", theirs=True)
    assert any(p.where.record == "author/ada" and "born" in p.message for p in refused.value.problems)
    assert store_files(root) == before
    assert "author/ada" not in snap(site)[1]


def test_a_strategy_never_moves_a_record_still_in_conflict(tmp_path: Path, git_home: Path) -> None:
    """post/y's own published ref is in conflict too: unpublishing it must wait for its resolve."""
    root = tmp_path / "repo"
    site = repo_with(root, {"on_unpublish": "unpublish"})
    save(site, "author/ada", "name: Ada\n", publish=True)
    save(site, "post/y", "title: Y\nauthor: ada\n", publish=True)
    commit(root, "start")
    git(root, "checkout", "-q", "-b", "feature")
    save(site, "author/ada", "name: Ada Lovelace\n", publish=True)
    save(site, "post/y", "title: Y on feature\nauthor: ada\n", publish=True)
    commit(root, "feature")
    git(root, "checkout", "-q", "main")
    site.unpublish("author/ada")  # takes post/y out too (its strategy), so both refs diverge
    commit(root, "main")
    merge(root)
    before = store_files(root)
    result = run_press(root, "resolve", "author/ada", "--ours", "--json")
    assert result.returncode == 1, result.stdout.decode()
    errors = json.loads(result.stdout)["errors"]
    assert ("merge_conflict", "post/y") in {(e["code"], e["record"]) for e in errors}
    hint = next(e["hint"] for e in errors if e["code"] == "merge_conflict")
    assert hint == "resolve it first: press resolve post/y --ours | --theirs | --version V"
    assert store_files(root) == before


# the planner alone, on an in-memory store


def test_the_resolve_plan_in_memory_carries_the_strategies_refs_versions_and_events() -> None:
    from pressroom.models import _parse_model
    from pressroom.records import RecordKey
    from pressroom.store import RefConflict, RefKind, RefUpdate, Version
    from pressroom.store.memory import MemoryStore
    from pressroom.workflow.plan import execute
    from pressroom.workflow.resolve import ResolveRequest, plan_resolve

    parsed = {"author": _parse_model("author", "models/author.yaml", AUTHOR.encode()),
              "post": _parse_model("post", "models/post.yaml", (
                  "schema:\n  type: object\n  properties:\n    title: {type: string}\n"
                  "    author: {type: string, x-link: {model: author, on_unpublish: clear}}\n").encode())}
    store = MemoryStore()
    oids = {}
    for record, text in (("author/ada", "name: Ada\n"), ("post/y", "title: Y\nauthor: ada\n")):
        oids[record] = store.put_version(Version(record, store.put_blob(text.encode()), None, "x", "t", ""))
        store.refs["current"][record] = store.refs["published"][record] = oids[record]
    # Their side unpublished ada: git's index alone holds the conflict, the ref on disk is ours.
    conflict = RefConflict(RefKind.PUBLISHED, "author/ada", oids["author/ada"], None, oids["author/ada"])
    request = ResolveRequest(record=RecordKey("author", "ada"), side="theirs", chosen=None, conflicts=[],
                             in_git=[conflict], author="ann", time="2031-01-01T00:00:00Z")
    seen = []

    def violations(snapshot: object) -> list:
        seen.append(snapshot)
        return []

    plan, _resolved = plan_resolve(store, store.snapshot(), request, violations, models=parsed)
    (cleared,) = plan.versions
    assert (cleared.data, cleared.version.parent, cleared.reason) == (b"title: Y\n", oids["post/y"],
                                                                      "on_unpublish:clear")
    assert set(plan.updates) == {RefUpdate("published", "author/ada", oids["author/ada"], None),
                                 RefUpdate("published", "post/y", oids["post/y"], cleared.oid),
                                 RefUpdate("current", "post/y", oids["post/y"], cleared.oid)}
    assert [(e.record, e.data["action"], e.data.get("reason")) for e in plan.events] == [
        ("author/ada", "resolve", None), ("post/y", "save", "on_unpublish:clear"),
        ("post/y", "publish", "on_unpublish:clear")]
    # The view is judged without ada, with post/y at the version the clear starts from (the new one
    # is not in the store yet; its removed link is not counted).
    assert "author/ada" not in seen[0].published and seen[0].published["post/y"] == oids["post/y"]
    # Without the models, no strategy: the plan is the resolve alone.
    bare, _ = plan_resolve(store, store.snapshot(), request, violations)
    assert bare.versions == [] and bare.updates == [RefUpdate("published", "author/ada", oids["author/ada"], None)]
    execute(store, plan)
    assert store.refs["published"] == {"post/y": cleared.oid}
