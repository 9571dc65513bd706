"""Every kind of bad input, through the CLI: a one-line message naming the file
(and line and column where they apply), its exit code, no traceback, and a
store left exactly as it was.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressroom import Site
from pressroom.cli.app import app
from tests.conftest import PRESS, Cli, store_files, write


@pytest.fixture
def site_dir(site_dir: Path) -> Path:
    """A site with one saved record, so that 'unchanged' means something."""
    write(site_dir, "post/ok", "title: OK\n")
    Site.open(site_dir).save("post/ok")
    return site_dir


def refused(cli: Cli, args: list[str], code: int, *needles: str, input: bytes | None = None) -> dict:
    """Run ``args`` as text and as --json: exit ``code``, every needle in the message, nothing written.

    Returns the first error of the JSON envelope.
    """
    before = store_files(cli.root)
    result = cli(*args, input=input)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert store_files(cli.root) == before
    exit_code, env = cli.json(*args, input=input)
    assert (exit_code, env["exit_code"], env["data"]) == (code, code, None)
    assert store_files(cli.root) == before
    return env["errors"][0]


# Record files that are not a record.

BILLION_LAUGHS = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
) + "\n"

BAD_FILES = [
    # name, bytes, message, line, column
    ("malformed", b"title: [unclosed\nbody: x\n", "is not valid YAML: parse error", 2, 1),
    ("tab-indent", b"title:\n\t- x\n", "is not valid YAML", 2, 1),
    ("duplicate-key", b"title: a\nbody: b\ntitle: c\n", "the key 'title' appears twice", 3, 1),
    ("a-list", b"- a\n- b\n", "must hold a YAML mapping (field: value), but it is a list", 1, None),
    ("a-scalar", b"just some text\n", "must hold a YAML mapping (field: value), but it is a str", 1, None),
    ("empty", b"", "must hold a YAML mapping (field: value), but it is empty", 1, None),
    ("only-comments", b"# nothing here\n", "but it is empty", 1, None),
    ("invalid-utf8", b"title: ok\nbody: caf\xe9\n", "is not valid UTF-8 (byte 0xe9)", 2, 10),
    ("nul-byte", b"title: ok\nbody: a\x00b\n", "unacceptable character #x0000", 2, 8),
    ("python-tag", b"x: !!python/object:os.system ls\n", "has the tag !!python/object:os.system", 1, 4),
    ("recursive-alias", b"a: &a [1, *a]\n", "the alias *a names no anchor defined before it", 1, 11),
    ("alias-bomb", BILLION_LAUGHS.encode(), "expands to over 1,000,000 values through YAML aliases", None, None),
    ("deep", b"a: " + b"[" * 3000 + b"]" * 3000 + b"\n", "is nested too deeply", None, None),
]


@pytest.mark.parametrize(("name", "data", "message", "line", "column"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_record_file_is_refused_naming_file_line_and_column(
        cli: Cli, name: str, data: bytes, message: str, line: int | None, column: int | None) -> None:
    write(cli.root, f"post/{name}", data)
    error = refused(cli, ["save", f"post/{name}"], 1, f"content/post/{name}.yaml", message)
    assert error["code"] == "bad_content"
    assert error["file"] == f"content/post/{name}.yaml"
    assert (error.get("line"), error.get("column")) == (line, column)
    assert "\n" not in error["message"]
    # In a batch it is refused too, and nothing of the batch is saved.
    write(cli.root, "post/fine", "title: fine\n")
    batch = refused(cli, ["save", "--all"], 1, f"content/post/{name}.yaml")
    assert batch["file"] == f"content/post/{name}.yaml"


def _limited(seconds: int, memory: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    return apply


def test_an_alias_bomb_is_refused_within_small_bounds(site_dir: Path) -> None:
    """Refused before it expands: under a 1 GiB address space and 20 s of CPU, not a hang."""
    write(site_dir, "post/bomb", BILLION_LAUGHS)
    result = subprocess.run([str(PRESS), "-C", str(site_dir), "save", "post/bomb"], capture_output=True,
                            timeout=60, preexec_fn=_limited(20, 1 << 30))
    assert result.returncode == 1, result.stderr.decode()
    assert b"alias bomb" in result.stderr


def test_a_file_over_the_configured_size_limit_is_refused(cli: Cli) -> None:
    (cli.root / "pressroom.yaml").write_text("max_file_size: 1KiB\n")
    write(cli.root, "post/big", "title: big\nbody: " + "x" * 1100 + "\n")
    error = refused(cli, ["save", "post/big"], 1, "content/post/big.yaml", "over the limit of 1,024")
    assert "max_file_size" in error["hint"]
    write(cli.root, "post/small", "title: small\n")
    assert cli("save", "post/small").exit_code == 0


def test_content_over_the_limit_from_stdin_or_a_device_is_refused(cli: Cli, site_dir: Path) -> None:
    (cli.root / "pressroom.yaml").write_text("max_file_size: 1KiB\n")
    refused(cli, ["save", "post/ok", "-f", "-"], 1, "over the limit of 1,024", input=b"a: " + b"x" * 2000)
    # An endless file is read up to the limit only, not into memory.
    before = store_files(site_dir)
    result = subprocess.run([str(PRESS), "-C", str(site_dir), "save", "post/ok", "-f", "/dev/zero"],
                            capture_output=True, timeout=60, preexec_fn=_limited(20, 1 << 30))
    assert result.returncode == 1, result.stderr.decode()
    assert b"over the limit of 1,024" in result.stderr
    assert store_files(site_dir) == before


def test_bad_content_from_stdin_is_named_as_the_input_not_the_working_file(cli: Cli) -> None:
    error = refused(cli, ["save", "post/new", "-f", "-"], 1, "-f input:2:1", input=b"title: [\n")
    assert (error["file"], error["line"]) == ("-f input", 2)
    assert not (cli.root / "content" / "post" / "new.yaml").exists()


# Names of records and versions.

BAD_REFS = ["post/../x", "Post/X", "post/X", "post/.hidden", "post/a/b", "post", "post/", "/post/a",
            "post/" + "a" * 129, "post/a b", "post/a*", "post/é", "post/a\nb", "post/a\n", "po st/a", ""]


@pytest.mark.parametrize("ref", BAD_REFS, ids=range(len(BAD_REFS)))
@pytest.mark.parametrize("command", ["save", "show", "log", "status"])
def test_an_invalid_record_name_is_a_usage_error(cli: Cli, command: str, ref: str) -> None:
    error = refused(cli, [command, ref], 2, "invalid record name", repr(ref))
    assert error["code"] == "usage"
    assert "model/id" in error["hint"]


def test_the_longest_id_is_accepted(cli: Cli) -> None:
    write(cli.root, "post/" + "a" * 128, "title: long\n")
    assert cli("save", "post/" + "a" * 128).exit_code == 0


@pytest.mark.parametrize(("args", "needle"), [
    (["save", "post/nope"], "content/post/nope.yaml: does not exist"),
    (["show", "post/nope"], "post/nope: no such record"),
    (["log", "post/nope"], "post/nope: no such record"),
    (["show", "post/ok@published"], "post/ok has no published version"),
    (["show", "post/ok@~3"], "post/ok has fewer than 4 versions"),
    (["show", "post/ok@0000000"], "post/ok has no version 0000000"),
    (["show", "post/ok@abc"], "version id 'abc' is too short"),
    (["show", "post/ok@latest"], "cannot read 'latest' as a version"),
    (["show", "post/ok@"], "names no version after '@'"),
    (["save", "--model", "nomodel"], "unknown model 'nomodel'"),
])
def test_an_unknown_record_or_version_is_a_usage_error(cli: Cli, args: list[str], needle: str) -> None:
    refused(cli, args, 2, needle)


# Links out of the site.

SECRET = b"password: hunter2-do-not-store\n"


def _secret_in_store(root: Path) -> bool:
    return any(b"hunter2" in data for data in store_files(root).values())


def test_a_symlinked_working_file_is_refused_and_never_read(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_bytes(SECRET)
    link = cli.root / "content" / "post" / "leak.yaml"
    link.symlink_to(outside)
    error = refused(cli, ["save", "post/leak"], 1, "content/post/leak.yaml", "is a symbolic link")
    assert error["file"] == "content/post/leak.yaml"
    refused(cli, ["save", "--all"], 1, "content/post/leak.yaml", "is a symbolic link")
    refused(cli, ["save", "--model", "post"], 1, "content/post/leak.yaml")
    # A link to a file inside the site is refused too: press reads regular files only.
    link.unlink()
    link.symlink_to(cli.root / "content" / "post" / "ok.yaml")
    refused(cli, ["save", "post/leak"], 1, "is a symbolic link")
    assert not _secret_in_store(cli.root)


def test_a_symlinked_model_folder_is_refused_and_never_read(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "leak.yaml").write_bytes(SECRET)
    (cli.root / "content" / "page").symlink_to(outside, target_is_directory=True)
    for args in (["save", "page/leak"], ["save", "--all"], ["save", "--model", "page"]):
        error = refused(cli, args, 1, "content/page", "is a symbolic link")
        assert error["file"] == "content/page"
    assert not _secret_in_store(cli.root)
    code, env = cli.json("status")
    assert code == 0
    assert [w["file"] for w in env["warnings"]] == ["content/page"]


# No site, or a site press cannot read.

def test_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(Cli(empty), ["status"], 2, f"{empty} is not a pressroom site (no pressroom.yaml)", "press -C")


def test_pressroom_dir_pointing_nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_DIR", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(app, ["status", "--json"], catch_exceptions=False)
    env = json.loads(result.stdout)
    assert (result.exit_code, env["status"]) == (2, "usage")
    assert env["errors"][0]["message"] == f"PRESSROOM_DIR={tmp_path / 'nowhere'} is not a pressroom site (no pressroom.yaml)"


def test_running_outside_any_site(tmp_path: Path) -> None:
    result = subprocess.run([str(PRESS), "status"], cwd=tmp_path, capture_output=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "PRESSROOM_DIR"})
    assert result.returncode == 2
    assert result.stderr.startswith(b"error: not inside a pressroom site (no pressroom.yaml here or in any parent")
    assert b"Traceback" not in result.stderr


def test_a_site_without_its_store(tmp_path: Path) -> None:
    root = tmp_path / "bare"
    root.mkdir()
    (root / "pressroom.yaml").write_text("")
    refused(Cli(root), ["status"], 2, "has pressroom.yaml but no .press/ store", "press init")


def test_an_unknown_setting_is_named_with_its_line(cli: Cli) -> None:
    (cli.root / "pressroom.yaml").write_text("# settings\nmax_file_size: 5MiB\ncolour: red\n")
    error = refused(cli, ["status"], 1, "pressroom.yaml:3", "unknown setting 'colour'", "max_file_size")
    assert (error["file"], error["line"], error["path"]) == (str(cli.root / "pressroom.yaml"), 3, "colour")


@pytest.mark.parametrize(("text", "needle"), [
    ("max_file_size: lots\n", "max_file_size must be a positive size like 5MiB, not 'lots'"),
    ("max_file_size: 0\n", "max_file_size must be a positive size"),
    ("max_file_size: [1\n", "pressroom.yaml:2:1: is not valid YAML"),
    ("- a list\n", "must hold a YAML mapping"),
])
def test_bad_settings_are_refused(cli: Cli, text: str, needle: str) -> None:
    (cli.root / "pressroom.yaml").write_text(text)
    refused(cli, ["status"], 1, "pressroom.yaml", needle)


# A damaged store: exit 4, naming what is damaged.

def _object_path(root: Path, oid: str) -> Path:
    return root / ".press" / "objects" / oid[:2] / oid[2:]


def _current(root: Path, record: str) -> str:
    return (root / ".press" / "refs" / "current" / record).read_text().strip()


def _blob_of(root: Path, version: str) -> str:
    return json.loads(_object_path(root, version).read_bytes())["blob"]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_blob(cli: Cli) -> None:
    blob = _blob_of(cli.root, _current(cli.root, "post/ok"))
    _flip_byte(_object_path(cli.root, blob))
    error = refused(cli, ["show", "post/ok"], 4, f"object {blob[:12]} is damaged", blob[2:])
    assert (error["code"], error["file"]) == ("store_damaged", str(_object_path(cli.root, blob)))
    assert "git checkout" in error["hint"]


def test_a_damaged_version(cli: Cli) -> None:
    version = _current(cli.root, "post/ok")
    _flip_byte(_object_path(cli.root, version))
    for command in ("show", "log"):
        refused(cli, [command, "post/ok"], 4, f"object {version[:12]} is damaged")
    refused(cli, ["status"], 4, f"object {version[:12]} is damaged")
    (cli.root / "content" / "post" / "ok.yaml").write_text("title: edited\n")
    for args in (["save", "post/ok"], ["save", "--all"]):
        refused(cli, args, 4, f"object {version[:12]} is damaged")


def test_a_missing_object(cli: Cli) -> None:
    blob = _blob_of(cli.root, _current(cli.root, "post/ok"))
    _object_path(cli.root, blob).unlink()
    refused(cli, ["show", "post/ok"], 4, f"object {blob[:12]} is missing")


@pytest.mark.parametrize("value", ["&a [*a]", "[" * 3000 + "]" * 3000,
                                   "[&a0 [x, x, x, x, x, x, x, x, x, x], " + ", ".join(
                                       f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)) + "]"],
                         ids=["recursive", "deep", "alias-bomb"])
def test_a_set_value_is_bounded_like_a_file(cli: Cli, value: str) -> None:
    before = store_files(cli.root)
    working = (cli.root / "content" / "post" / "ok.yaml").read_bytes()
    code, doc = cli.json("save", "post/ok", "--set", f"title={value}")
    assert (code, doc["errors"][0]["file"]) == (1, "the --set value")
    assert store_files(cli.root) == before
    assert (cli.root / "content" / "post" / "ok.yaml").read_bytes() == working


def test_init_completes_an_empty_store_folder(tmp_path: Path) -> None:
    """A .press/ made by hand, or by an init cut short (its format file is written last)."""
    root = tmp_path / "s"
    (root / ".press" / "objects").mkdir(parents=True)
    result = CliRunner().invoke(app, ["-C", str(root), "init", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert ".press/" in json.loads(result.stdout)["data"]["created"]
    assert (root / ".press" / "format").read_text() == "1\n"
    (root / ".press" / "format").unlink()
    (root / ".press" / "objects" / "ab").mkdir()
    (root / ".press" / "objects" / "ab" / "cd").write_bytes(b"data")
    result = CliRunner().invoke(app, ["-C", str(root), "init", "--json"], catch_exceptions=False)
    assert ".press/" not in json.loads(result.stdout)["data"]["created"]
    assert (root / ".press" / "objects" / "ab" / "cd").read_bytes() == b"data"


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"0123456789abcdef\n", b"\xff\xfe\n"],
                         ids=["empty", "garbage", "truncated", "binary"])
def test_a_truncated_or_garbage_ref(cli: Cli, content: bytes) -> None:
    ref = cli.root / ".press" / "refs" / "current" / "post" / "ok"
    if content == b"0123456789abcdef\n":
        content = ref.read_bytes()[:20]
    ref.write_bytes(content)
    for args in (["status"], ["show", "post/ok"], ["log", "post/ok"], ["save", "post/ok"]):
        error = refused(cli, args, 4, "does not hold a version id", str(ref))
        assert (error["file"], error["record"]) == (str(ref), "post/ok")


@pytest.mark.parametrize(("content", "needle"), [
    (b"2\n", "written by a newer version of pressroom (format 2; this one reads up to 1)"),
    (b"one\n", "the store's format file is unreadable"),
    (None, "the store has no format file"),
])
def test_a_store_format_press_cannot_read(cli: Cli, content: bytes | None, needle: str) -> None:
    path = cli.root / ".press" / "format"
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    error = refused(cli, ["status"], 4, needle)
    assert (error["code"], error["file"]) == ("store_format", str(path))


# Options that are wrong together, or wrong on their own.

def test_save_from_stdin(cli: Cli) -> None:
    data = "# from a pipe\ntitle: Piped ✓\n".encode()
    result = cli("save", "post/piped", "-f", "-", input=data)
    assert result.exit_code == 0, result.output
    assert (cli.root / "content" / "post" / "piped.yaml").read_bytes() == data
    assert cli("show", "post/piped").stdout_bytes == data


def test_file_with_two_records_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "in.yaml"
    src.write_text("title: x\n")
    refused(cli, ["save", "post/ok", "post/other", "-f", str(src)], 2, "-f/--file takes the content of exactly one")
    refused(cli, ["save", "post/ok", "-f", str(tmp_path / "missing.yaml")], 2, "cannot read -f",
            "No such file or directory")
    refused(cli, ["save", "post/ok", "--all"], 2, "not both")


@pytest.mark.parametrize(("assignment", "needle"), [
    ("title", "--set 'title' is not field=value"),
    ("=x", "--set '=x' is not field=value"),
    ("tags[5]=x", "index [5] is past the end of the list"),
    ("title.sub=x", "its parent is not a mapping"),
    ("tags[x=1", "invalid field path"),
])
def test_a_bad_set_is_a_usage_error(cli: Cli, assignment: str, needle: str) -> None:
    write(cli.root, "post/ok", "title: OK\ntags: [a]\n")
    cli("save", "post/ok")
    before = (cli.root / "content" / "post" / "ok.yaml").read_bytes()
    refused(cli, ["save", "post/ok", "--set", assignment], 2, needle)
    assert (cli.root / "content" / "post" / "ok.yaml").read_bytes() == before


def test_set_on_nested_and_list_paths_keeps_comments(cli: Cli) -> None:
    write(cli.root, "post/ok", "# top\ntitle: OK  # keep me\ntags:\n- a  # first\nseo:\n  title: old\n")
    result = cli("save", "post/ok", "--set", "seo.title=New", "--set", "tags[1]=b", "--set", "tags[0]=z",
                 "--set", "meta.draft=true", "--set", "count=3")
    assert result.exit_code == 0, result.output
    text = (cli.root / "content" / "post" / "ok.yaml").read_text()
    assert text.startswith("# top\ntitle: OK  # keep me\ntags:\n- z  # first\n- b\nseo:\n  title: New\n")
    assert "meta:\n  draft: true\n" in text and "count: 3\n" in text
    assert cli("show", "post/ok").stdout == text


@pytest.mark.parametrize("value", ["abc", "nan", "-1", "30s"])
def test_a_lock_timeout_that_is_not_seconds_is_a_usage_error(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                            value: str) -> None:
    """It was ignored in silence: a typo then waited 30 s, or forever for nan."""
    write(cli.root, "post/a", "title: A\n")
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", value)
    before = store_files(cli.root)
    code, env = cli.json("save", "post/a")
    assert code == 2
    (error,) = env["errors"]
    assert error["code"] == "usage"
    assert error["message"] == f"PRESSROOM_LOCK_TIMEOUT={value!r} is not a number of seconds"
    assert store_files(cli.root) == before
    monkeypatch.setenv("PRESSROOM_LOCK_TIMEOUT", "2.5")
    assert cli("save", "post/a").exit_code == 0


def test_minus_c_naming_a_file_says_it_is_a_file(cli: Cli, tmp_path: Path) -> None:
    """It suggested `press -C FILE init`, which cannot work."""
    file = tmp_path / "notes.txt"
    file.write_text("x\n")
    result = CliRunner().invoke(app, ["-C", str(file), "status"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {file} is a file, not a folder: give the site's folder (the one holding "
                             "pressroom.yaml)\n")
    config = cli.root / "pressroom.yaml"
    result = CliRunner().invoke(app, ["-C", str(config), "status", "--json"], catch_exceptions=False)
    (error,) = json.loads(result.stdout)["errors"]
    assert (result.exit_code, error["hint"]) == (2, f"use its folder: press -C {cli.root}")


def test_messages_say_what_is_wrong_with_a_name_or_path(cli: Cli, tmp_path: Path) -> None:
    error = refused(cli, ["save", "post/" + "a" * 129], 2, "the id is 129 characters; at most 128")
    assert "lowercase" in error["hint"]
    refused(cli, ["save", "post/ok", "-f", str(tmp_path / "nope.yaml")], 2, "No such file or directory")
    result = CliRunner().invoke(app, ["-C", str(tmp_path / "nowhere"), "status", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["message"] == f"{tmp_path / 'nowhere'} does not exist"


def test_new_takes_model_and_id_or_model_slash_id(cli: Cli) -> None:
    (cli.root / "models" / "note.yaml").write_text("schema: {type: object, required: [title]}\n")
    assert cli.json("new", "note/a")[0] == 0
    assert cli.json("new", "note", "b")[0] == 0
    assert (cli.root / "content" / "note" / "a.yaml").read_bytes() == (cli.root / "content" / "note" / "b.yaml"
                                                                       ).read_bytes().replace(b"note/b", b"note/a")
    code, doc = cli.json("new", "note")
    assert code == 2 and "id" in doc["errors"][0]["message"]
