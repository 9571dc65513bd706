"""YAML that JSON cannot hold as it is: sets, pairs, .nan and .inf, a field named like export's metadata.

Generators read the published view as JSON, so records are plain JSON data:
a ``!!set`` or ``!!pairs`` becomes a list, a number JSON has no spelling for is
a validation error (it can never be published), and export says what is
wrong instead of crashing.
"""

from __future__ import annotations

from pathlib import Path

from pressroom import Site

from tests.conftest import Cli, write

MODEL = "schema:\n  type: object\n"


def _site_with_model(root: Path) -> Cli:
    (root / "models" / "note.yaml").write_text(MODEL)
    return Cli(root)


def test_sets_and_pairs_are_refused_as_json_cannot_hold_them(site_dir: Path) -> None:
    # YAML 1.2's !!set is a mapping to nulls and !!pairs a list of pairs: neither is a JSON
    # value as written, so the record is refused naming the field (it was read as a list).
    cli = Cli(site_dir)
    for text, path in (("s: !!set {pear, apple, fig}\n", "s"), ("p: !!pairs [b: 1, a: 2]\n", "p")):
        write(site_dir, "note/a", text)
        code, doc = cli.json("save", "note/a")
        assert code == 1
        (error,) = doc["errors"]
        assert error["code"] == "bad_content" and error["path"] == path and "JSON cannot hold" in error["message"]
    assert not (site_dir / ".press" / "refs" / "current" / "note" / "a").exists()


def test_nan_and_inf_are_refused_on_save_naming_the_field(site_dir: Path) -> None:
    cli = _site_with_model(site_dir)
    write(site_dir, "note/a", "title: x\nscore: {low: -.inf, mid: .nan}\n")
    code, doc = cli.json("save", "note/a")
    assert code == 1
    assert sorted((e["path"], e["rule"]) for e in doc["errors"]) == [
        ("score.low", "json"), ("score.mid", "json")]
    assert not (site_dir / ".press" / "refs" / "current" / "note" / "a").exists()


def test_nan_in_a_draft_saved_invalid_is_refused_by_publish(site_dir: Path) -> None:
    (site_dir / "models" / "note.yaml").write_text(MODEL + "allow_invalid_drafts: true\n")
    cli = Cli(site_dir)
    write(site_dir, "note/a", "n: [1, .inf]\n")
    code, doc = cli.json("save", "note/a")
    assert code == 0 and [w["path"] for w in doc["warnings"]] == ["n[1]"]
    code, doc = cli.json("publish", "note/a")
    assert code == 1 and [e["rule"] for e in doc["errors"]] == ["json"]
    code, doc = cli.json("export", "--out", str(site_dir.parent / "out"), "--preview")
    assert code == 1
    assert doc["errors"][0]["record"] == "note/a"
    assert "JSON cannot represent" in doc["errors"][0]["message"]
    assert not (site_dir.parent / "out" / "note").exists()


def test_markdown_export_refuses_a_field_named_like_its_metadata(site_dir: Path, site: Site) -> None:
    write(site_dir, "note/a", "pressroom: my own field\nbody: hi\n")
    site.save("note/a")
    site.publish("note/a")
    code, doc = Cli(site_dir).json("export", "--out", str(site_dir.parent / "md"), "--format", "markdown")
    assert code == 1
    assert (doc["errors"][0]["record"], doc["errors"][0]["path"]) == ("note/a", "pressroom")
    assert not (site_dir.parent / "md" / "note").exists()


def test_export_into_a_git_checkout_does_not_list_git_files_as_foreign(site_dir: Path, site: Site) -> None:
    write(site_dir, "note/a", "title: x\n")
    site.save("note/a")
    site.publish("note/a")
    out = site_dir.parent / "pages"
    (out / ".git" / "objects").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / "CNAME").write_text("example.org\n")
    assert site.export(out).foreign == ["CNAME"]
