"""Records: their ids, their working files, and YAML in and out.

Blobs keep a file's exact bytes; reading them is ``yamlread``'s (one YAML 1.2
reading for every command), and the result is JSON data (dict, list, str, int,
float, bool, None; dates as ISO strings) that JSON Schema and JSON output take as
it is. ruamel's round-trip parser is used only to edit a file (``--set``).
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadContentError, Problem, UsageError, Where
from .yamlread import read_document, read_value, same_data

if TYPE_CHECKING:
    from ruamel.yaml import YAML

# \Z, not $: $ also matches before a final newline ("post/x\n" is no record).
MODEL_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")
# An id never ends in .yaml or .yml: such a name on the command line is a working file's path.
ID_RE = re.compile(r"^(?!.*\.ya?ml\Z)[a-z0-9_-][a-z0-9_.-]{0,127}\Z")
# A ref naming a working file by its path, with an optional @version.
PATH_REF_RE = re.compile(r"^(?P<path>.+\.ya?ml)(?:@(?P<version>.*))?\Z")
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024

REF_HINT = "a record is named model/id, lowercase: letters, digits, '-', '_', '.' (e.g. post/hello-world)"


@dataclass(frozen=True, order=True, slots=True)
class RecordKey:
    """A record's address, ``model/id``."""

    model: str
    id: str

    def __str__(self) -> str:
        return f"{self.model}/{self.id}"


def check_model_name(model: str) -> str:
    """Return ``model`` if it is a valid model name, else raise a UsageError."""
    if not MODEL_RE.match(model):
        raise UsageError(
            f"invalid model name {model!r}",
            hint="a model name is lowercase letters, digits, '-' and '_' (e.g. post)",
        )
    return model


def parse_key(text: str) -> RecordKey:
    """Parse ``model/id``; refuse anything that could escape the site or confuse a path."""
    model, sep, rid = text.partition("/")
    if not sep or not MODEL_RE.match(model) or not ID_RE.match(rid) or ".." in rid:
        reason = ""
        if len(rid) > 128:
            reason = f" (the id is {len(rid)} characters; at most 128)"
        elif len(model) > 64:
            reason = f" (the model is {len(model)} characters; at most 64)"
        elif rid.endswith((".yaml", ".yml")):
            reason = " (an id may not end in .yaml or .yml: such a name is a working file's path)"
        raise UsageError(f"invalid record name {text!r}{reason}", hint=REF_HINT)
    return RecordKey(model, rid)


def generator_clash(key: RecordKey) -> str | None:
    """Why static site generators would misread an export of ``key`` (None: they would not).

    Exports name files after ids: ``post/index.md`` makes Hugo's ``posts/`` a leaf
    bundle (every other post vanishes), ``_index.md`` is a section's own page, and
    Hugo, Eleventy, Astro and Jekyll skip or treat apart names that start with
    ``_``. (A leading ``.`` is not an id at all: ``ID_RE`` refuses it.)
    """
    if key.id in ("index", "_index"):
        return (f"the id {key.id!r} is the name static site generators give a folder's own page: exported as "
                f"{key.model}/{key.id}.md, Hugo would show it in place of the whole list of {key.model} records")
    if key.id.startswith("_"):
        return (f"the id {key.id!r} starts with '_', which static site generators (Hugo, Eleventy, Astro, "
                f"Jekyll) skip or treat as a special file: its exported page would go missing")
    return None


def generator_safe_id(key: RecordKey) -> str:
    """An id like ``key``'s that ``generator_clash`` accepts, to suggest in hints."""
    rid = key.id.lstrip("_.")
    return rid if rid and rid != "index" else f"{key.model}-index"


def parse_ref(text: str) -> tuple[RecordKey, str | None]:
    """Parse ``model/id[@version]`` into a key and the version spec (or None)."""
    name, sep, version = text.partition("@")
    if sep and not version:
        raise UsageError(f"{text!r} names no version after '@'", hint="e.g. post/x@current, post/x@3fa9c1e")
    return parse_key(name), (version if sep else None)


# working files


def ref_of_path(root: Path, text: str, base: Path) -> str:
    """``text`` as ``model/id[@version]`` when it is the path of a working file (relative to ``base``).

    Any other text is returned as it is, to be read as a ref.
    """
    match = PATH_REF_RE.match(text)
    if match is None:
        return text
    path = (base / match["path"]).resolve()
    try:
        parts = path.relative_to(root.resolve()).parts
    except ValueError:
        parts = ()
    if len(parts) != 3 or parts[0] != "content" or not parts[2].endswith(".yaml"):
        raise UsageError(f"{match['path']} is not a working file of the site at {root}",
                         hint="name a file content/<model>/<id>.yaml of the site, or the record as model/id",
                         cause="ref.not_a_working_file", data={"path": match["path"], "root": str(root)})
    key = parse_key(f"{parts[1]}/{parts[2][:-len('.yaml')]}")
    return str(key) if match["version"] is None else f"{key}@{match['version']}"


def working_path(root: Path, key: RecordKey) -> Path:
    return root / "content" / key.model / f"{key.id}.yaml"


def check_inside(root: Path, path: Path) -> None:
    """Refuse a path that is a symlink, or goes through one, or resolves outside ``root``.

    CI runs press on pull requests: a link to a secret must never be read into the store.
    """
    rel = path.relative_to(root)
    probe = root
    for part in rel.parts:
        probe = probe / part
        if probe.is_symlink():
            raise BadContentError(
                "is a symbolic link; press reads only regular files inside the site",
                where=Where(file=str(probe.relative_to(root))),
                hint="replace the link with the file itself",
            )
    # With no link below the root and no "..", the path is the root's own child, so inside it by its
    # very name: resolving both (a stat of every folder from /, twice) is left to the rare path with "..".
    if ".." not in rel.parts:
        return
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        raise BadContentError(
            "resolves outside the site", where=Where(file=str(path)), hint="keep content inside the site"
        ) from None


def site_file_path(root: Path, rel: str) -> Path:
    """The working file that ``rel`` (relative to the site ``root``, ``/``-separated) names, for
    the store to write or remove in a transaction (see ``store.SiteFile``); BadContentError
    for anything else: a path that is not ``content/<model>/<id>.yaml``, or one a symbolic
    link reaches (``check_inside``). The store asks this on every write, a replay's too:
    a link that appeared since the command ran is never written through.
    """
    parts = rel.split("/")
    if not (len(parts) == 3 and parts[0] == "content" and MODEL_RE.match(parts[1])
            and parts[2].endswith(".yaml") and ID_RE.match(parts[2][:-5]) and ".." not in parts[2]):
        raise BadContentError(f"{rel!r} is not a working file press may write", where=Where(file=rel),
                              hint="a working file is content/<model>/<id>.yaml")
    path = root.joinpath(*parts)
    check_inside(root, path)
    return path


def read_limited(path: Path, limit: int, *, label: str | None = None) -> bytes:
    """Read a file, refusing it when larger than ``limit`` bytes."""
    size = path.stat().st_size
    if size > limit:
        raise BadContentError(
            f"file is {size:,} bytes, over the limit of {limit:,}",
            where=Where(file=label or str(path)),
            hint="split the record, or raise max_file_size in pressroom.yaml",
        )
    with open(path, "rb") as f:
        # Sized by the stat, not the limit: a buffer of the limit (5 MiB) shrunk to a 2 KB
        # record keeps a memory mapping of its own, and a save of 100,000 records ran out
        # of them (vm.max_map_count). A file that grew since the stat is read on to the limit.
        data = f.read(size + 1)
        if len(data) > size:
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise BadContentError(
            f"file is over the limit of {limit:,} bytes", where=Where(file=label or str(path))
        )
    return data


# YAML


def _rt_yaml() -> YAML:
    from ruamel.yaml import YAML  # the round-trip editor: loaded to write a file, never to read one

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def decode_text(data: bytes, label: str) -> str:
    """Decode UTF-8, naming the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise BadContentError(
            f"is not valid UTF-8 (byte 0x{data[e.start]:02x})",
            where=Where(file=label, line=line, column=column),
            hint="save the file as UTF-8",
        ) from None


def load_record(data: bytes, label: str, *, allow_empty: bool = False) -> dict[str, Any]:
    """Parse a record's bytes into JSON data (see ``yamlread``); it must be a YAML mapping."""
    doc = read_document(decode_text(data, label), label)
    if doc is None and allow_empty:
        return {}
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        raise BadContentError(
            f"must hold a YAML mapping (field: value), but it is {kind}",
            where=Where(file=label, line=1),
            hint="a record file is a mapping of fields, e.g. `title: Hello`",
        )
    return doc


SET_VALUE = "the set value"  # the file a problem of a set value names; the CLI says "the --set value"


def parse_scalar(text: str, label: str = SET_VALUE) -> Any:
    """A ``--set`` value, read once (``yamlread.read_value``): ``'"007"'`` is the string 007."""
    return read_value(text, label)


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field_path(path: str) -> list[str | int]:
    """``seo.title`` -> ['seo', 'title']; ``tags[2]`` -> ['tags', 2]."""
    steps: list[str | int] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and steps and pos + 1 < len(path):
            pos += 1
        m = _PATH_TOKEN.match(path, pos)
        if not m:
            raise UsageError(f"invalid field path {path!r}", hint="use dots and indexes, e.g. seo.title or tags[2]")
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not steps:
        raise UsageError("empty field path", hint="name a field, e.g. title or seo.title",
                         cause="records.empty_field_path")
    return steps


def set_fields(data: bytes, label: str, assignments: list[tuple[str, Any]]) -> bytes:
    """Set fields in a YAML document, keeping its comments, key order and quoting.

    A top-level field that is absent but has a commented-out line ``# field: ...``
    (a placeholder ``press new`` writes) is set on that line, not added at the end.
    """
    from ruamel.yaml.error import MarkedYAMLError

    parsed = load_record(data, label)
    text = decode_text(data, label)
    absent = {steps[0] for steps in (parse_field_path(p) for p, _v in assignments)
              if isinstance(steps[0], str) and steps[0] not in parsed}
    if absent:
        text = _fill_placeholders(text, absent, empty=not parsed, label=label)
    expected = copy.deepcopy(parsed)
    _apply(expected, assignments)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns on stderr of what the reader has judged (a reused anchor)
            yaml = _rt_yaml()
            doc = yaml.load(text)
            yaml.indent(**_indents(doc))
            _apply(doc, assignments)
            out = io.StringIO()
            yaml.dump(doc, out)
    except (UsageError, BadContentError):
        raise
    except MarkedYAMLError as e:
        mark = e.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _no_edit(label, f"the round-trip editor cannot parse this file ({e.problem}{at})") from None
    except Exception as e:  # noqa: BLE001 - any other shape ruamel cannot hold: a refusal too
        raise _no_edit(label, f"the round-trip editor cannot hold this file ({type(e).__name__}: {e})") from None
    edited = out.getvalue().encode("utf-8")
    # The editor parses YAML its own way: what it writes must read back as the file with the fields set.
    try:
        after = load_record(edited, label)
    except BadContentError as e:
        raise _no_edit(label, f"the edited file would not read back ({e.message})") from None
    if not same_data(after, expected):
        raise _no_edit(label, "the edited file would read differently from the file with these fields set")
    return edited


def _apply(doc: Any, assignments: list[tuple[str, Any]]) -> None:
    for path, value in assignments:
        steps = parse_field_path(path)
        node = doc
        for i, step in enumerate(steps[:-1]):
            node = _descend(node, step, steps[i + 1], path)
        _assign(node, steps[-1], value, path)


def _no_edit(label: str, why: str) -> BadContentError:
    return BadContentError(f"set cannot edit it in place: {why}; the file is left as it was",
                           where=Where(file=label),
                           hint="edit the file by hand, or give the whole content (Site.save's content)",
                           cause="records.no_edit", data={"why": why})


def remove_fields(data: bytes, label: str, paths: Iterable[str]) -> bytes:
    """Remove fields (``author``) and list items (``tags[2]``) from a YAML document, keeping its comments."""
    yaml = _rt_yaml()
    doc = yaml.load(decode_text(data, label))
    yaml.indent(**_indents(doc))
    # Later list items first, so that an index still names the same item.
    def later_first(steps: list[str | int]) -> list[tuple[str, int]]:
        return [(s, 0) if isinstance(s, str) else ("", -s) for s in steps]

    for steps in sorted((parse_field_path(p) for p in paths), key=later_first):
        node = doc
        for step in steps[:-1]:
            node = node[step]
        del node[steps[-1]]
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue().encode("utf-8")


def field_positions(data: bytes, paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """The line and column (from 1) where each field ``path`` (``seo.title``, ``tags[2]``)
    is written in a record's YAML; for a missing field, where its mapping is
    (not for the record itself). Paths that cannot be placed are left out.

    Used on error paths only: one round-trip parse keeps every node's position.
    """
    from ruamel.yaml.error import YAMLError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns on stderr of what the reader has judged (a reused anchor)
            doc = _rt_yaml().load(data.decode("utf-8"))
    except (YAMLError, ValueError, RecursionError):
        return {}
    out = {}
    for path in paths:
        try:
            position = _position(doc, parse_field_path(path))
        except UsageError:
            continue
        if position is not None:
            out[path] = position
    return out


def _position(node: Any, steps: list[str | int]) -> tuple[int, int] | None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # the round-trip nodes, which know their lines

    position = None
    for step in steps:
        if isinstance(node, CommentedMap) and not isinstance(step, int) and step in node:
            line, column = node.lc.key(step)
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line, column = node.lc.item(step)
        else:
            return position
        position, node = (line + 1, column + 1), node[step]
    return position


def _indents(doc: Any) -> dict[str, int]:
    """The file's own block indentation (ruamel's ``indent``), read off where its first
    nested mapping and list are, so that a dump does not re-indent the lines not set
    (ruamel dumps every block with one indentation, 2 by default)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    found: dict[str, int] = {}
    todo = [doc]
    while todo and len(found) < 3:
        node = todo.pop(0)
        if not isinstance(node, CommentedMap):
            continue
        for key, child in node.items():
            if isinstance(child, CommentedMap) and child and not child.fa.flow_style():
                found.setdefault("mapping", child.lc.col - node.lc.col)
            elif isinstance(child, CommentedSeq) and child and not child.fa.flow_style():
                found.setdefault("offset", child.lc.col - node.lc.col)
                found.setdefault("sequence", child.lc.item(0)[1] - node.lc.col)
            todo.extend(child if isinstance(child, CommentedSeq) else [child])
    mapping = found.get("mapping", 2) if found.get("mapping", 0) > 0 else 2
    offset = max(found.get("offset", 0), 0)
    sequence = max(found.get("sequence", offset + 2), offset + 2)
    return {"mapping": mapping, "sequence": sequence, "offset": offset}


def _fill_placeholders(text: str, keys: set[str], *, empty: bool, label: str) -> str:
    """``text`` with the ``# key: value`` line of each key uncommented (the value is then set)."""
    lines = text.splitlines(keepends=True)
    found = False
    for i, line in enumerate(lines):
        if line.startswith("# ") and ":" in line and _placeholder_key(line[2:]) in keys:
            keys = keys - {_placeholder_key(line[2:])}
            lines[i] = line[2:]
            found = True
    if not found:
        return text
    if empty:
        # A template with every field commented out holds "{}" to be a mapping: it goes.
        lines = [line for line in lines if line.strip() != "{}"]
    filled = "".join(lines)
    try:
        load_record(filled.encode("utf-8"), label)
    except BadContentError:
        return text  # a comment that only looked like a placeholder: add the field at the end
    return filled


def _placeholder_key(line: str) -> str | None:
    """The key of a one-line mapping (``summary: ""  # note``), or None when the line is not one."""
    try:
        data = load_record(line.encode("utf-8"), "placeholder")
    except BadContentError:
        return None
    return next(iter(data)) if len(data) == 1 else None


def _descend(node: Any, step: str | int, next_step: str | int, path: str) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(step, int):
        if not isinstance(node, list) or step >= len(node):
            raise UsageError(f"{path}: no list item [{step}] to go into")
        return node[step]
    if not isinstance(node, dict):
        raise UsageError(f"{path}: {step!r} is not inside a mapping")
    if step not in node or node[step] is None:
        node[step] = CommentedSeq() if isinstance(next_step, int) else CommentedMap()
    return node[step]


def _assign(node: Any, step: str | int, value: Any, path: str) -> None:
    if isinstance(step, int):
        if not isinstance(node, list) or step > len(node):
            raise UsageError(f"{path}: index [{step}] is past the end of the list")
        if step == len(node):
            node.append(value)
        else:
            node[step] = value
        return
    if not isinstance(node, dict):
        raise UsageError(f"{path}: cannot set {step!r}: its parent is not a mapping")
    node[step] = value


def dump_record(data: dict[str, Any]) -> bytes:
    """Write plain data as block-style YAML (for new records and exports)."""
    yaml = _rt_yaml()
    # Lists indented under their key: rapidyaml refuses a key starting with '.' or '-' that
    # follows a list written at its key's indentation (a known gap, docs/concepts.md).
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_escape_breaks(data), out)
    text = out.getvalue()
    if _NESTED_EXPLICIT_KEY.search(text):
        # ruamel writes a mapping under an explicit key (one with a line break, or past 128
        # characters) on the line of its ':'; rapidyaml cannot read a '? ' there. JSON is YAML
        # that both read (ASCII: YAML refuses some control characters JSON leaves raw), and such
        # keys are rare enough that their records may look like it.
        try:
            return (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8")
        except ValueError:
            pass  # NaN or infinity has no JSON form: keep the block text
    return text.encode("utf-8")


_NESTED_EXPLICIT_KEY = re.compile(r"^ *: +\? ", re.M)


# ruamel writes NEL, LS and PS raw, as YAML 1.1 line breaks; YAML 1.2 reads them as content, so the
# text read back would differ. Double quotes write them as the escapes \N, \L and \P instead.
_BREAKS_1_1 = re.compile("[\x85\u2028\u2029]")


def _escape_breaks(node: Any) -> Any:
    if isinstance(node, str):
        if not _BREAKS_1_1.search(node):
            return node
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(node)
    if isinstance(node, dict):
        return {_escape_breaks(k): _escape_breaks(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_escape_breaks(v) for v in node]
    return node


def list_working(root: Path, model: str | None = None) -> list[RecordKey]:
    """Every ``content/<model>/<id>.yaml`` whose name is a valid record key, in the order of their file names."""
    # A linked model folder is listed, not skipped: reading its records refuses the link,
    # so --all says why they are not saved instead of passing over them in silence.
    return [RecordKey(m, rid) for m, ids in scan_working(root, model)[0].items()
            for rid in sorted(ids, key=lambda rid: f"{rid}.yaml")]


def skipped_working(root: Path, model: str | None = None) -> list[Problem]:
    """Warnings for what ``list_working`` passes over that looks meant as a record.

    ``content/Post/``, ``content/post/Hello.yaml`` and ``content/post/x.yml`` are
    not read; saying so (and the name to use) beats leaving them out in silence.
    Hidden files and other extensions (README.md, x.yaml~) are left alone.
    """
    return scan_working(root, model)[1]


def scan_working(root: Path, model: str | None = None) -> tuple[dict[str, list[str]], list[Problem]]:
    """``list_working`` and ``skipped_working`` from one listing of ``content/``: the ids of each model's
    working files (model folders sorted, ids in listing order) and the warnings.

    Ids as text, not record keys: ``press status`` lists every record, and a dataclass per
    file costs more than the listing.
    """
    content = root / "content"
    if not content.is_dir():
        return {}, []
    found: dict[str, list[str]] = {}
    out = []
    for m in [model] if model else sorted(os.listdir(content)):
        mdir = content / m
        if m.startswith(".") or not mdir.is_dir():
            continue
        if not MODEL_RE.match(m):
            fixed = _renamed(m, MODEL_RE)
            out.append(_skipped(root, f"content/{m}/", "not a model name (lowercase letters, digits, - and _), so "
                                "no file in it is read", fixed and f"content/{fixed}/"))
            continue
        names = os.listdir(mdir)
        stems = [name[:-5] for name in names if name.endswith(".yaml")]
        # Every .yaml file a record, the usual case, tested a folder at a time ("/" is in no file name).
        if all(map(ID_RE.match, stems)) and ".." not in "/".join(stems):
            found[m] = stems
            skipped = [name for name in names if name.endswith(".yml")]
        else:
            ids = found[m] = []
            skipped = []
            for name in names:
                if name.endswith(".yaml"):
                    stem = name[:-5]
                    if ID_RE.match(stem) and ".." not in stem:
                        ids.append(stem)
                        continue
                elif not name.endswith(".yml"):
                    continue
                skipped.append(name)
        for name in sorted(skipped):
            out.extend(_skipped_file(root, m, name))
    return found, out


def _skipped_file(root: Path, model: str, name: str) -> list[Problem]:
    """``skipped_working``'s warning for a ``.yaml`` or ``.yml`` file of a model folder that is no record."""
    stem, ext = os.path.splitext(name)
    if name.startswith("."):
        return []
    if not ID_RE.match(stem) or ".." in stem:
        fixed = _renamed(stem, ID_RE)
        return [_skipped(root, f"content/{model}/{name}", "not a record name (ids are lowercase letters, digits, "
                         "-, _ and .), so press skips it", fixed and f"content/{model}/{fixed}.yaml")]
    if ext == ".yml":
        return [_skipped(root, f"content/{model}/{name}", "not a record file (records end in .yaml), so "
                         "press skips it", f"content/{model}/{stem}.yaml")]
    return []


def _renamed(name: str, pattern: re.Pattern[str]) -> str | None:
    fixed = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9_.-]", "-", name.lower())).strip("-.")
    return fixed if pattern.match(fixed) and ".." not in fixed else None


def _skipped(root: Path, file: str, message: str, target: str | None) -> Problem:
    if target is None:
        hint = None
    elif (root / target).exists():
        hint = f"{target} exists too: merge the two, then remove {file}"
    else:
        hint = f"rename it to {target}"
    return Problem(message, code="not_a_record", where=Where(file=file), hint=hint)
