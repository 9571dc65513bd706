"""The invariant, checked on random link graphs and random command sequences.

After every step the published view is closed under links (every link of a
published version names a published record), and a refused command changed
nothing in the store or the working files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pressroom import PressError, Site
from pressroom.records import load_record
from tests.conftest import store_files, write

def models(strategies: list[str]) -> dict[str, str]:
    """The three models, each link field with the x-link strategies given (three link fields)."""
    links, ab, cb = strategies
    return {
        # a links to other a records (a graph with cycles) and to one b.
        "a": "allow_invalid_drafts: true\nschema:\n  type: object\n  properties:\n"
             f"    links: {{type: array, items: {{type: string, x-link: {links.format('a')}}}}}\n"
             f"    b: {{type: string, x-link: {ab.format('b')}}}\n",
        "b": "schema:\n  type: object\n  properties:\n    n: {type: integer}\n",
        # c publishes on every save.
        "c": "draft_published: false\nschema:\n  type: object\n  properties:\n"
             f"    b: {{type: string, x-link: {cb.format('b')}}}\n",
    }


# x-link's short form, or its mapping form with random strategies ({} is the target model).
link_specs = st.one_of(
    st.just("{}"),
    st.builds(lambda p, u, d: f"{{{{model: {{}}, on_publish: {p}, on_unpublish: {u}, on_delete: {d}}}}}",
              st.sampled_from(["refuse", "publish"]), st.sampled_from(["refuse", "unpublish", "clear"]),
              st.sampled_from(["refuse", "unpublish", "clear"])),
)
IDS = {"a": ["a0", "a1", "a2", "a3"], "b": ["b0", "b1"], "c": ["c0"]}
RECORDS = [f"{m}/{i}" for m, ids in IDS.items() for i in ids]


def content(record: str, links: list[str], b: str | None, n: int) -> str:
    model = record.split("/")[0]
    if model == "a":
        return f"links: [{', '.join(links)}]\n" + (f"b: {b}\n" if b else "")
    if model == "b":
        return f"n: {n}\n"
    return f"b: {b}\n" if b else "{}\n"


saves = st.tuples(st.just("save"), st.sampled_from(RECORDS), st.lists(st.sampled_from(IDS["a"]), max_size=3),
                  st.none() | st.sampled_from(IDS["b"]), st.integers(0, 3))
subsets = st.lists(st.sampled_from(RECORDS), min_size=1, max_size=3, unique=True)
publishes = st.tuples(st.just("publish"), subsets, st.booleans())
withdraws = st.tuples(st.sampled_from(["unpublish", "archive"]), subsets, st.booleans())
deletes = st.tuples(st.just("delete"), subsets)
steps = st.lists(st.one_of(publishes, saves, withdraws, publishes, deletes, withdraws, publishes),
                 min_size=1, max_size=14)
# The starting graph: every a and b record saved, with random links.
graphs = st.fixed_dictionaries({
    f"a/{i}": st.tuples(st.lists(st.sampled_from(IDS["a"]), max_size=3), st.none() | st.sampled_from(IDS["b"]))
    for i in IDS["a"]
})


def site_files(root: Path, graph: dict, strategies: list[str]) -> None:
    """A new site at ``root`` with the models of ``strategies`` and the working files of ``graph`` and of b/*."""
    Site.init(root)
    for name, text in models(strategies).items():
        (root / "models" / f"{name}.yaml").write_text(text)
        (root / "content" / name).mkdir(parents=True)
    for record, (links, b) in graph.items():
        write(root, record, content(record, links, b, 0))
    for i, rid in enumerate(IDS["b"]):
        write(root, f"b/{rid}", content(f"b/{rid}", [], None, i))


def links_of(record: str, data: dict) -> list[str]:
    """Read independently of pressroom's own link code: what the models above declare."""
    model = record.split("/")[0]
    out = [f"a/{x}" for x in data.get("links") or [] if isinstance(x, str)] if model == "a" else []
    if model in ("a", "c") and isinstance(data.get("b"), str):
        out.append(f"b/{data['b']}")
    return out


def working_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "content").rglob("*.yaml"))}


def assert_closed(site: Site) -> None:
    snap = site.store.snapshot()
    assert not set(snap.published) & set(snap.archived)
    assert set(snap.published) <= set(snap.current)
    for record in snap.published:
        data = load_record(site.show(f"{record}@published").content, record)
        for target in links_of(record, data):
            assert target in snap.published, f"published {record} links to unpublished {target}"


def run(site: Site, step: tuple) -> None:
    action = step[0]
    if action == "save":
        _, record, links, b, n = step
        write(site.root, record, content(record, links, b, n))
        site.save(record)
    elif action == "delete":
        site.delete(*step[1], force=True)
    else:
        _, records, cascade = step
        getattr(site, action)(*records, cascade=cascade)


@given(graphs, steps, st.lists(link_specs, min_size=3, max_size=3))
def test_published_view_stays_closed_and_refusals_change_nothing(graph: dict, plan: list[tuple],
                                                                 strategies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        site_files(root, graph, strategies)
        site = Site.open(root)
        site.save(model="a")
        site.save(model="b")
        for step in plan:
            before_store = store_files(root)
            if step[0] == "save":
                write(root, step[1], content(step[1], *step[2:]))
            before_work = working_files(root)
            try:
                run(site, step)
            except PressError:
                assert store_files(root) == before_store, f"refused {step} changed the store"
                assert working_files(root) == before_work, f"refused {step} changed working files"
            assert_closed(site)
