"""The publishing commands through the CLI: batches, dry runs, exit codes, JSON, and the real `press`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import run_press, store_files, write
from tests.workflow.test_publish import AUTHOR, POST, TAG, write_model

SAMPLE = Path(__file__).resolve().parents[2] / "sample-site"


def blog(cli) -> None:
    for name, text in (("author", AUTHOR), ("tag", TAG), ("post", POST)):
        write_model(cli.root, name, text)
    write(cli.root, "author/ada", "name: Ada\n")
    write(cli.root, "tag/history", "name: History\n")
    write(cli.root, "post/hello", "title: Hello\nauthor: ada\ntags: [history]\n")
    assert cli("save", "--all").exit_code == 0


def test_a_batch_with_errors_in_the_middle_publishes_nothing_and_lists_every_error(cli) -> None:
    blog(cli)
    for i in range(30):
        title = "x" * 41 if i == 10 else f"Post {i}"
        author = "nobody" if i == 20 else "ada"
        tags = "[history, 5]" if i == 15 else "[history]"
        write(cli.root, f"post/p{i:02}", f"title: {title}\nauthor: {author}\ntags: {tags}\n")
    assert cli("save", "--all").exit_code == 0  # post allows invalid drafts
    before = store_files(cli.root)
    code, doc = cli.json("publish", "--all")
    assert code == 1 and doc["status"] == "refused" and doc["exit_code"] == 1
    found = {(e["record"], e["path"], e["rule"]) for e in doc["errors"]}
    assert found == {("post/p10", "title", "maxLength"), ("post/p15", "tags[1]", "type"),
                     ("post/p20", "author", "x-link")}
    p10 = next(e for e in doc["errors"] if e["record"] == "post/p10")
    assert p10["value"] == "x" * 41 and p10["code"] == "invalid"
    assert store_files(cli.root) == before
    result = cli("publish", "--all")
    assert result.exit_code == 1
    assert all(r in result.stderr for r in ("post/p10", "post/p15", "post/p20"))
    assert store_files(cli.root) == before


def test_publish_refusal_names_the_links_and_suggests_cascade(cli) -> None:
    blog(cli)
    result = cli("publish", "post/hello")
    assert result.exit_code == 1
    assert "author/ada, which is not published (draft)" in result.stderr and "--cascade" in result.stderr
    code, doc = cli.json("publish", "post/hello", "--cascade", "-m", "launch")
    assert code == 0
    assert [(m["record"], m["reason"], m["via"]) for m in doc["data"]["moves"]] == [
        ("post/hello", "named", None), ("author/ada", "cascade", "post/hello"),
        ("tag/history", "cascade", "post/hello")]
    code, doc = cli.json("status", "post/hello")
    row = doc["data"]["records"][0]
    assert row["status"] == "published" and row["published"] == row["current"]
    assert row["published_by"] == "Test Author <test@example.com>" and row["published_at"]


def test_dry_run_prints_the_plan_and_changes_nothing(cli) -> None:
    blog(cli)
    before = store_files(cli.root)
    code, doc = cli.json("publish", "post/hello", "--cascade", "--dry-run")
    assert code == 0 and doc["data"]["dry_run"] is True and doc["data"]["txn"] is None
    assert {m["record"]: m["reason"] for m in doc["data"]["moves"]} == {
        "post/hello": "named", "author/ada": "cascade", "tag/history": "cascade"}
    text = cli("publish", "post/hello", "--cascade", "--dry-run").stdout
    assert "would be published author/ada" in text and "cascade, linked from post/hello" in text
    assert store_files(cli.root) == before


def test_a_refused_dry_run_shows_the_referrers(cli) -> None:
    blog(cli)
    cli("publish", "post/hello", "--cascade")
    before = store_files(cli.root)
    code, doc = cli.json("unpublish", "author/ada", "--dry-run")
    assert code == 1
    assert doc["data"]["referrers"] == [
        {"record": "post/hello", "path": "author", "target": "author/ada", "reason": "referrer"}]
    assert [e["code"] for e in doc["errors"]] == ["referrer"]
    assert store_files(cli.root) == before
    code, doc = cli.json("unpublish", "author/ada", "post/hello")
    assert code == 0 and len(doc["data"]["moves"]) == 2


def test_a_dry_run_that_would_be_refused_says_so_instead_of_a_plan(cli) -> None:
    blog(cli)
    for args, verb in ((["publish", "post/hello"], "published"), (["unpublish", "author/ada"], "unpublished")):
        if verb == "unpublished":
            cli("publish", "post/hello", "--cascade")
        result = cli(*args, "--dry-run")
        assert result.exit_code == 1
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == f"refused: nothing would be {verb}"
        assert lines[1].startswith("error: ") and len(lines) >= 2
        assert "would be" not in "\n".join(lines[1:])


def test_a_referrer_without_drafts_is_not_offered_for_unpublish(cli) -> None:
    """Naming a draft_published: false referrer would be refused: the hint says what does work."""
    write_model(cli.root, "author", "schema: {type: object}\n")
    write_model(cli.root, "page", "draft_published: false\n"
                                  "schema: {type: object, properties: {author: {type: string, x-link: author}}}\n")
    write(cli.root, "author/ada", "name: Ada\n")
    write(cli.root, "page/about", "author: ada\n")
    assert cli("save", "author/ada").exit_code == 0
    assert cli("publish", "author/ada").exit_code == 0
    assert cli("save", "page/about").exit_code == 0  # published at once
    code, doc = cli.json("unpublish", "author/ada")
    assert code == 1
    (error,) = doc["errors"]
    assert (error["code"], error["record"]) == ("referrer", "author/ada")
    assert error["hint"] == ("page/about cannot be a draft (its model publishes every save): archive it first "
                             "(press archive page/about), or remove the link from its field author and save it")
    # The hint works; the one it replaced did not.
    assert cli("unpublish", "author/ada", "page/about").exit_code == 1
    assert cli("archive", "page/about").exit_code == 0
    assert cli("unpublish", "author/ada").exit_code == 0


def test_exit_codes(cli) -> None:
    blog(cli)
    cli("publish", "--all")
    code, doc = cli.json("publish", "post/hello")
    assert code == 1 and doc["errors"][0]["code"] == "nothing_to_do"
    assert cli.json("publish", "--all")[0] == 0
    assert cli.json("publish", "post/nope")[0] == 2
    assert cli("publish", "post/hello", "--depth", "0").exit_code == 2
    assert cli.json("publish")[0] == 2
    assert cli("delete", "post/hello", "--cascade").exit_code == 2  # delete has no --cascade


def test_archive_and_delete_through_the_cli(cli) -> None:
    blog(cli)
    cli("publish", "post/hello", "--cascade")
    code, doc = cli.json("archive", "post/hello", "--cascade")
    assert code == 0 and {m["status_after"] for m in doc["data"]["moves"]} == {"archived"}
    code, doc = cli.json("delete", "post/hello", "-m", "gone", "--yes")
    assert code == 0 and not (cli.root / "content/post/hello.yaml").exists()
    code, doc = cli.json("status", "--json")
    assert "post/hello" not in {r["record"] for r in doc["data"]["records"]}


def test_validate_command(cli) -> None:
    blog(cli)
    code, doc = cli.json("validate", "--all")
    assert code == 0 and len(doc["data"]["records"]) == 3
    write(cli.root, "post/bad", "title: 5\nauthor: nobody\n")
    code, doc = cli.json("validate", "--all")
    assert code == 1
    assert {(e["record"], e["path"], e["rule"]) for e in doc["errors"]} == {
        ("post/bad", "title", "type"), ("post/bad", "author", "x-link")}
    assert cli.json("validate", "--model", "nope")[0] == 2


def test_new_and_model_commands(cli) -> None:
    blog(cli)
    code, doc = cli.json("new", "author", "grace")
    assert code == 0 and doc["data"]["file"] == "content/author/grace.yaml"
    assert cli.json("new", "author", "grace")[0] == 1
    assert cli.json("new", "nope", "x")[0] == 2
    code, doc = cli.json("model", "list")
    assert code == 0 and [m["name"] for m in doc["data"]] == ["author", "post", "tag"]
    code, doc = cli.json("model", "show", "post")
    assert doc["data"]["links"] == [{"field": "author", "model": "author"}, {"field": "tags[]", "model": "tag"}]
    assert doc["data"]["options"]["allow_invalid_drafts"] is True
    assert cli.json("model", "show", "nope")[0] == 2


def test_the_sample_site_validates_and_shows_its_models(tmp_path: Path) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    result = run_press(root, "validate", "--all", "--json")
    assert result.returncode == 0, result.stdout
    assert run_press(root, "status").returncode == 0
    doc = json.loads(run_press(root, "model", "list", "--json").stdout)
    assert {m["name"] for m in doc["data"]} >= {"author", "post", "tag"}


def test_a_new_user_on_the_sample_site(tmp_path: Path) -> None:
    """The issue's acceptance story, with the real `press`."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    assert run_press(root, "new", "author", "lin").returncode == 0
    (root / "content/author/lin.yaml").write_text("name: Lin Clark\n")
    write(root, "post/links", "title: On links\nauthor: lin\nbody: Links must resolve.\n")
    assert run_press(root, "save", "author/lin", "post/links").returncode == 0

    refused = run_press(root, "publish", "post/links")
    assert refused.returncode == 1
    assert b"author/lin, which is not published (draft)" in refused.stderr and b"--cascade" in refused.stderr

    assert run_press(root, "publish", "post/links", "--cascade").returncode == 0
    write(root, "post/links", "title: On links, again\nauthor: lin\nbody: Links must resolve.\n")
    assert run_press(root, "save", "post/links").returncode == 0
    doc = json.loads(run_press(root, "status", "post/links", "--json").stdout)
    assert doc["data"]["records"][0]["status"] == "updated"

    refused = run_press(root, "unpublish", "author/lin")
    assert refused.returncode == 1 and b"post/links" in refused.stderr
