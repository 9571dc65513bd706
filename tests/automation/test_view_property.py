"""Property: whatever two branches do with press, a real `git merge` leaves a view press accepts or refuses whole.

A state machine keeps one git repository with two branches, ``a`` and ``b``,
made from a common base commit (merge driver installed). Its rules apply
random press operations through the Python API to either branch (save edits,
publish, publish --cascade, unpublish, archive, delete, new posts linking to
authors); operations press refuses are part of the game. The ``merge`` rule
commits both branches and merges ``b`` into a scratch checkout of ``a`` with
the real `git`. When git reports a conflict, the merge is finished the way a
user would: `press resolve` for each record in conflict (the side is drawn;
the other side when press refuses the first), the working file of a record
the resolution kept or removed staged to match, then `git commit`. A merge
where press refuses both sides of some record is aborted and counted as an
event (nothing to check: it never became a view).

Then the invariant, judged against the test's own reading of the merged tree
(ref files read from disk, versions' YAML read from the store's objects):
either that reading finds the view closed and `press fsck` exits 0, or
`press fsck` exits 5 naming exactly the violations the test found (record
and code) and `press export --out` exits 5 writing nothing. The API agrees
(``check_view``, ``status().violations``, and the published read API raises
ViewBrokenError or reads exactly the published records).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test
from ruamel.yaml import YAML

from pressroom import Site
from pressroom.errors import PressError, ViewBrokenError
from tests.automation.conftest import git, repo_site
from tests.conftest import run_press, write

AUTHORS = ("a1", "a2")
POSTS = ("p1", "p2", "p3", "n1")
# post/n1 is not in the base: `press new` (or an edit) makes it on either branch or both (an add/add in git).
RECORDS = tuple(f"author/{a}" for a in AUTHORS) + tuple(f"post/{p}" for p in POSTS)
SIDES = ("a", "b")
KINDS = ("current", "published", "archived")
_EXISTENCE = ("save", "revert", "delete", "resolve")

# A merge comes after at least MIN_OPS operations with both branches changed, and at the latest after
# MAX_OPS: merges are what is checked (and cost a few seconds), divergence is what breaks views.
MIN_OPS, MAX_OPS = 3, 6
# A view breaks when one branch withdraws what the other links to or publishes: withdrawals pick
# among what the base publishes (authors first), publishes and edits among posts (a uniform pick over
# every record rarely meets the two within a few operations).
_withdrawn = st.sampled_from(["author/a2", "post/p1", "author/a1", "post/p2"])
_published = st.sampled_from(["post/p2", "post/p3", "post/n1", "post/p1", "author/a1"])
# (operation, record, argument): edit's argument is the post's author (an author's new name), new's the
# post's author; publish's, unpublish's and archive's whether to cascade.
# Hypothesis tries the first entries first: a publish and a withdrawal, which meet soonest.
OPERATIONS = st.one_of(
    *[st.tuples(st.just("publish"), _published, st.booleans())] * 2,
    *(st.tuples(st.just(name), _withdrawn, st.booleans()) for name in ("unpublish", "archive")),
    st.tuples(st.just("edit"), _published, st.sampled_from(AUTHORS)),
    st.tuples(st.just("new"), st.just("post/n1"), st.sampled_from(AUTHORS)),
    st.tuples(st.just("delete"), _withdrawn, st.none()),
)


def _base(root: Path) -> None:
    """The common base: authors a1 and a2 published, post/p1 (linking a1) published, post/p2
    (linking a2) and post/p3 (linking a1) drafts, models and the merge driver committed on main."""
    repo_site(root)
    installed = run_press(root, "merge-driver", "install")
    assert installed.returncode == 0, installed.stderr.decode()
    write(root, "author/a1", "name: A1\n")
    write(root, "author/a2", "name: A2\n")
    write(root, "post/p1", "title: P1\nauthor: a1\n")
    write(root, "post/p2", "title: P2\nauthor: a2\n")
    write(root, "post/p3", "title: P3\nauthor: a1\n")
    site = Site.open(root)
    site.save(all=True)
    site.publish("post/p1", "author/a2", cascade=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")


def _commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    if git(root, "status", "--porcelain").stdout.strip():
        git(root, "commit", "-q", "-m", message)


def _ref_files(root: Path) -> dict[str, dict[str, str]]:
    """Every ref as the files on disk say: kind -> record -> version id."""
    out: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        base = root / ".press" / "refs" / kind
        for path in sorted(base.glob("*/*")):
            text = path.read_text(encoding="ascii").strip()
            assert len(text) == 64 and all(c in "0123456789abcdef" for c in text), f"{path}: {text!r}"
            out[kind][f"{path.parent.name}/{path.name}"] = text
    return out


def _log(root: Path, record: str) -> list[dict] | None:
    path = root / ".press" / "logs" / record
    if not path.is_file():
        return None
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _log_says_exists(events: list[dict]) -> bool:
    """The last event that makes or removes the record: save/revert make it, delete removes it,
    a resolve of ``current`` sets it to the side chosen."""
    for ev in reversed(events):
        action = ev.get("action")
        if action not in _EXISTENCE or (action == "resolve" and ev.get("kind") != "current"):
            continue
        return ev.get("new") is not None if action == "resolve" else action != "delete"
    return False


def expected_violations(root: Path) -> set[tuple[str, str]]:
    """(record, code) of every rule the merged view breaks, read from the ref files, the event
    logs and the versions' YAML; independent of pressroom's own check."""
    refs = _ref_files(root)
    current, published, archived = (refs[k] for k in KINDS)
    store = Site.open(root).store
    yaml = YAML(typ="safe")
    found: set[tuple[str, str]] = set()
    records = set(current) | set(published) | set(archived)
    for record in records:
        if record in published and record in archived:
            found.add((record, "published_and_archived"))
        if record not in current and record in published:
            found.add((record, "published_without_current"))
        elif record not in current and record in archived:
            found.add((record, "archived_without_current"))
        if _log(root, record) is None:
            found.add((record, "refs_without_log"))
    logs = root / ".press" / "logs"
    for path in logs.glob("*/*"):
        record = f"{path.parent.name}/{path.name}"
        if record not in records and _log_says_exists(_log(root, record) or []):
            found.add((record, "refs_missing"))
    for record, oid in published.items():
        version = store.get_version(oid)
        if version.record != record:
            found.add((record, "foreign_version"))
            continue
        data = yaml.load(store.get_blob(version.blob)) or {}
        author = data.get("author") if record.startswith("post/") else None
        if isinstance(author, str) and f"author/{author}" not in published:
            found.add((record, "unpublished_link"))
    return found


class MergeMachine(RuleBasedStateMachine):
    """Two branches of one site, press operations on either, and real merges of b into a."""

    template: Path  # the base repository, made once by the test
    scratch: Path  # where each example's repository goes

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(dir=self.scratch))
        self.changed = {side: False for side in SIDES}
        self.merges = 0
        self.since_merge = 0

    @initialize()
    def branches(self) -> None:
        self.repo = self.dir / "repo"
        shutil.copytree(self.template, self.repo, symlinks=True)
        self.roots = {}
        for side in SIDES:
            self.roots[side] = self.dir / side
            git(self.repo, "worktree", "add", "-q", "-b", side, str(self.roots[side]), "main")
        self.sites = {side: Site.open(root) for side, root in self.roots.items()}

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _apply(self, side: str, record: str, action) -> None:
        """Run ``action``; a refusal is fine, and puts the working file back as it was."""
        site = self.sites[side]
        model, rid = record.split("/")
        path = site.root / "content" / model / f"{rid}.yaml"
        before = path.read_bytes() if path.exists() else None
        try:
            action(site)
        except PressError as e:
            event(f"refused: {type(e).__name__}")
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
            return
        self.changed[side] = True

    @precondition(lambda self: not (all(self.changed.values()) and self.since_merge >= MAX_OPS))
    @rule(side=st.sampled_from(SIDES), op=OPERATIONS)
    def operate(self, side: str, op: tuple) -> None:
        """One press operation on one branch, through the API."""
        name, record, arg = op
        model, rid = record.split("/")

        def save(site: Site) -> None:
            text = f"name: {rid} {arg}\n" if model == "author" else f"title: {rid} {arg}\nauthor: {arg}\n"
            write(site.root, record, text)
            site.save(record)

        def new(site: Site) -> None:
            site.new(model, rid)
            write(site.root, record, f"title: new {rid}\nauthor: {arg}\n")
            site.save(record)

        actions = {
            "edit": save,
            "new": new,
            "publish": lambda site: site.publish(record, cascade=arg),
            "unpublish": lambda site: site.unpublish(record, cascade=arg),
            "archive": lambda site: site.archive(record, cascade=arg),
            "delete": lambda site: site.delete(record),
        }
        self.since_merge += 1
        self._apply(side, record, actions[name])

    @precondition(lambda self: all(self.changed.values()) and self.since_merge >= MIN_OPS)
    @rule(sides=st.fixed_dictionaries({r: st.sampled_from(("ours", "theirs")) for r in RECORDS}))
    def merge(self, sides: dict[str, str]) -> None:
        """Commit both branches, merge b into a scratch checkout of a, finish any conflict, check the view."""
        for side in SIDES:
            _commit_all(self.roots[side], f"work on {side}")
            self.changed[side] = False
        self.since_merge = 0
        self.merges += 1
        m = self.dir / f"merge{self.merges}"
        git(self.repo, "worktree", "add", "-q", "--detach", str(m), "a")
        try:
            merged = git(m, "merge", "--no-edit", "-q", "b", check=False)
            if merged.returncode != 0:
                event("merge: conflict, finished with press resolve")
                if not self._finish_with_resolve(m, sides):
                    event("merge: press refused both sides of a record; merge aborted")
                    git(m, "merge", "--abort")
                    return
            else:
                event("merge: clean")
            self._check_view(m)
        finally:
            git(self.repo, "worktree", "remove", "--force", str(m))

    def _finish_with_resolve(self, m: Path, sides: dict[str, str]) -> bool:
        """`press resolve` each record git left in conflict (``sides`` says which side first; the
        other when press refuses it), stage its working file, commit. False when press refuses
        both sides of some record."""
        unmerged = git(m, "ls-files", "-u", "--", ".press/refs").stdout.splitlines()
        records = sorted({"/".join(line.split("\t", 1)[1].split("/")[-2:]) for line in unmerged})
        # And every ref file holding conflict markers (the driver's "diverged"), as press status lists them.
        site = Site.open(m)
        records = sorted(set(records) | {c.record for c in site.store.snapshot(conflicts_ok=True).conflicts})
        assert records, f"git stopped the merge with no ref in conflict: {git(m, 'status', '--short').stdout}"
        for record in records:
            # Drawn up front for every record: whether two saves of one content share a version id
            # depends on the clock, so which records conflict may differ between runs of an example.
            first = sides[record]
            second = "theirs" if first == "ours" else "ours"
            for side in (first, second):
                try:
                    site.resolve(record, **{side: True})
                    break
                except PressError:
                    continue
            else:
                return False
            # What the resolution keeps is what the working file holds (git may have left either side's file).
            current = site.store.read_ref("current", record)
            path = m / "content" / record.split("/")[0] / f"{record.split('/')[1]}.yaml"
            if current is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(site.store.get_blob(site.store.get_version(current).blob))
        left = git(m, "ls-files", "-u").stdout
        others = {line.split("\t", 1)[1] for line in left.splitlines()} - {
            f"content/{r}.yaml" for r in records}
        assert not others, f"unmerged paths press resolve does not cover: {sorted(others)}"
        git(m, "add", "-A")
        git(m, "commit", "-q", "--no-edit")
        return True

    def _check_view(self, m: Path) -> None:
        expected = expected_violations(m)
        result = run_press(m, "fsck", "--json")
        doc = json.loads(result.stdout)
        named = {(e.get("record"), e["code"]) for e in doc["errors"]}
        site = Site.open(m)
        if not expected:
            event("view: closed")
            assert result.returncode == 0, doc
            assert not site.check_view(fresh=True).violations
            assert not site.status().violations
            published = _ref_files(m)["published"]
            assert [r.record for r in site.published()] == sorted(published)
            return
        event("view: broken, refused")
        for code in sorted({c for _, c in expected}):
            event(f"violation: {code}")
        assert result.returncode == 5, doc
        assert doc["status"] == "view_broken"
        assert named == expected
        assert {(v.record, v.code) for v in site.check_view(fresh=True).violations} == expected
        assert {(v.record, v.code) for v in site.status().violations} == expected
        with pytest.raises(ViewBrokenError):
            list(site.published())
        out = self.dir / "public"
        exported = run_press(m, "export", "--out", str(out), "--json")
        assert exported.returncode == 5, exported.stdout.decode() + exported.stderr.decode()
        assert {(e.get("record"), e["code"]) for e in json.loads(exported.stdout)["errors"]} == expected
        assert not out.exists() or not any(out.iterdir())


def test_a_merge_leaves_a_closed_view_or_one_press_refuses(tmp_path: Path, git_home: Path) -> None:
    template = tmp_path / "template"
    _base(template)
    MergeMachine.template = template
    scratch = tmp_path / "examples"
    scratch.mkdir()
    MergeMachine.scratch = scratch
    # Each merge runs the real `press` (fsck, export) and maybe the merge driver: a few seconds on a busy
    # machine, so the examples are few and short; the ci profile derandomizes them.
    run_state_machine_as_test(MergeMachine, settings=settings(max_examples=6, stateful_step_count=20))
