"""Reading a record's YAML: the one place that turns a file's text into JSON data.

Save, validate, export, the API and ``--set`` all read through ``read_document``
(and ``read_value`` for one ``--set`` value), so they agree on what a file holds.

The parser is rapidyaml (``ryml``): a YAML 1.2 parser that gives the whole node
tree, with each scalar's style, tag and anchor, so that this module decides what
every node means and refuses what JSON cannot hold instead of guessing. Compared
on this machine (docs/concepts.md, "How records are read"), it was the one
candidate that never silently changed the issue's cases; its known gap is a
refusal, not a misreading (a tab after ``key:`` followed by another key).

What a record may hold is JSON data: mappings with string keys, lists, strings,
numbers, booleans and null. Plain scalars follow the YAML 1.2 core schema; two
things kept from the earlier reading, because stored records rely on them:
integer keys become strings (``1: a`` is ``{"1": "a"}``), and plain timestamps
become ISO strings (``2024-01-02 10:00:00`` is ``"2024-01-02T10:00:00"``).
``<<`` merge keys (YAML 1.1, not 1.2) are kept too: a plain ``<<`` key merges the
mapping (or list of mappings) it names, the mapping's own keys winning.
Refused: tags beyond the core schema (``!!omap``, ``!!set``, ``!!pairs``,
``!!binary``, ``!!timestamp``, ``!local``), keys that are collections or resolve to
null, booleans or floats, duplicate keys, and files of several documents.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import math
import os
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .errors import BadContentError, Problem, Where

# ruamel is loaded where it is used (positions on error paths, plain timestamps, the reading
# before YAML 1.2): reading a well-formed record needs rapidyaml alone, and a text of comments
# alone (the pressroom.yaml ``init`` writes, read by every command) not even that (``_load_ryml``).
if TYPE_CHECKING:
    import ryml
    from ruamel.yaml.events import Event

    from .store import Store

Json = Union[None, bool, int, float, str, list["Json"], dict[str, "Json"]]

# Aliases are shared, not copied: a billion-laughs file is small to parse but
# explodes when validated or written as JSON. What it would expand to is counted.
MAX_EXPANDED_NODES = 1_000_000
# Deeper than any record needs, and far from Python's recursion limit.
MAX_DEPTH = 200

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null"}
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")
# Which plain scalars the earlier reading took for timestamps (ruamel's implicit resolver):
# a date has two-digit month and day; a date with a time may have one.
_TIMESTAMP = re.compile(r"""(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)\Z""", re.X)
# A scalar not written plain (quoted, literal or folded) is never resolved: it is text. Bound with
# rapidyaml by ``_load_ryml``.
_VAL_STYLED: int
_KEY_STYLED: int
_VALREF: int
_RYML_LOADED = False


def _load_ryml() -> None:
    """Bind rapidyaml (and the node bits read from it) in this module, once, on the first parse."""
    global ryml, _VAL_STYLED, _KEY_STYLED, _VALREF, _RYML_LOADED
    if _RYML_LOADED:
        return
    import ryml

    _VAL_STYLED = ryml.VALQUO | ryml.VAL_LITERAL | ryml.VAL_FOLDED
    _KEY_STYLED = ryml.KEYQUO | ryml.KEY_LITERAL | ryml.KEY_FOLDED
    _VALREF = ryml.VALREF
    _RYML_LOADED = True
# What YAML 1.2's c-printable leaves out: a stream holds no such character (rapidyaml lets some
# pass). Written as the excluded ranges: the negated class of the allowed ones costs 10 ms to
# compile, paid by every command.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# What each refused tag is, for the message.
_TAG_WHY = {
    "omap": "an ordered list of pairs (a YAML 1.2 !!omap is a list, not a mapping)",
    "set": "a set, which JSON cannot hold",
    "pairs": "a list of pairs that may repeat keys, which JSON cannot hold",
    "binary": "bytes, which JSON cannot hold",
    "timestamp": "a timestamp tag beyond the YAML 1.2 core schema",
}
_TAG_HINT = "remove the tag and write the value as plain JSON data (a string, number, list or mapping)"

# rapidyaml reports a parse error on the process's stderr before it raises: the
# message is taken from the exception instead, so fd 2 is pointed at /dev/null
# around a parse. A lock keeps two threads from swapping fd 2 under each other.
_STDERR_LOCK = threading.Lock()


@dataclass
class _Anchor:
    value: Json
    size: int


class _Reader:
    """One walk over a parsed tree, building JSON data and refusing what JSON cannot hold."""

    def __init__(self, tree: ryml.Tree, text: str, label: str) -> None:
        self.tree = tree
        self.text = text
        self.label = label
        self.anchors: dict[str, _Anchor] = {}
        self.expanded = 0

    def refuse(self, message: str, path: str | None, hint: str, *, occurrence: int = 1,
               at_value: bool = True) -> BadContentError:
        position = _locate(self.text, path, occurrence, at_value) if path else None
        return BadContentError(message, where=Where(file=self.label, path=path or None,
                                                    line=position[0] if position else None,
                                                    column=position[1] if position else None), hint=hint)

    def count(self, size: int) -> None:
        self.expanded += size
        if self.expanded > MAX_EXPANDED_NODES:
            raise BadContentError(
                f"expands to over {MAX_EXPANDED_NODES:,} values through YAML aliases",
                where=Where(file=self.label),
                hint="write the data out instead of nesting aliases (this looks like an alias bomb)",
            )

    def node(self, i: int, path: str, depth: int) -> tuple[Json, int]:
        """The data of node ``i`` and how many values it expands to."""
        t = self.tree
        if depth > MAX_DEPTH:
            raise BadContentError(f"is nested too deeply (more than {MAX_DEPTH} levels)",
                                  where=Where(file=self.label), hint="flatten the data")
        # One call for the node's type bits: each call through the bindings costs more than the test.
        bits = t.type(i)
        if bits & _VALREF:
            return self.alias(_text(t.val_ref(i)), path)
        start = self.expanded
        value: Json
        if bits & ryml.MAP:
            if bits & ryml.VALTAG:
                self.check_collection_tag(i, "map", path)
            value = self.mapping(i, path, depth)
        elif bits & ryml.SEQ:
            if bits & ryml.VALTAG:
                self.check_collection_tag(i, "seq", path)
            value = [self.node(c, f"{path}[{n}]", depth + 1)[0] for n, c in enumerate(_children(t, i))]
        else:
            tag = _text(t.val_tag(i)) if bits & ryml.VALTAG else None
            value = self.scalar(_text(t.val(i)), not bits & _VAL_STYLED, tag, path)
        self.count(1)
        size = self.expanded - start
        if bits & ryml.VALANCH:
            # An anchor defined again is legal YAML: later aliases name the later node.
            self.anchors[_text(t.val_anchor(i))] = _Anchor(value, size)
        return value, size

    def alias(self, name: str, path: str) -> tuple[Json, int]:
        anchor = self.anchors.get(name.lstrip("*"))
        if anchor is None:
            raise self.refuse(f"the alias *{name.lstrip('*')} names no anchor defined before it", path,
                              "define the anchor (&name) before the alias, outside the node that holds it")
        self.count(anchor.size)
        return anchor.value, anchor.size

    def check_collection_tag(self, i: int, kind: str, path: str) -> None:
        t = self.tree
        if t.has_val_tag(i):
            name = _core_name(_text(t.val_tag(i)))
            if name != kind and name != "!":
                raise self.tag_refusal(_text(t.val_tag(i)), path)

    def tag_refusal(self, tag: str, path: str) -> BadContentError:
        name = _core_name(tag)
        why = _TAG_WHY.get(name or "", "a type beyond the YAML 1.2 core schema, which JSON cannot hold")
        return self.refuse(f"{_where(path)} has the tag {tag}: {why}", path, _TAG_HINT)

    def mapping(self, i: int, path: str, depth: int) -> dict[str, Json]:
        t = self.tree
        out: dict[str, Json] = {}
        merges: list[tuple[str, Json]] = []
        for c in _children(t, i):
            key = self.key(c, path)
            child = f"{path}.{key}" if path else key
            if key == "<<" and not t.type(c) & (_KEY_STYLED | ryml.KEYTAG):
                merges.append((child, self.node(c, child, depth + 1)[0]))
                continue
            if key in out:
                raise self.refuse(f"the key {key!r} appears twice{_inside(path)}", child,
                                  "keep one of the two (YAML mappings have unique keys)", occurrence=2, at_value=False)
            out[key] = self.node(c, child, depth + 1)[0]
        if not merges:
            return out
        # As YAML 1.1 (and the earlier reading) merge: keys in the order merged first, an earlier
        # mapping of a << list winning over a later one, the mapping's own keys winning over all.
        merged: dict[str, Json] = {}
        for where, value in merges:
            sources = value if isinstance(value, list) else [value]
            for source in reversed(sources):
                if not isinstance(source, dict):
                    raise self.refuse(f"the merge key << at {where} must name a mapping or a list of mappings",
                                      where, "write <<: *anchor, where &anchor is on a mapping")
                merged.update(source)
        merged.update(out)
        return merged

    def key(self, c: int, path: str) -> str:
        t = self.tree
        bits = t.type(c)
        if bits & ryml.KEYREF:
            value: Json = self.alias(_text(t.key_ref(c)), path)[0]
        else:
            tag = _text(t.key_tag(c)) if bits & ryml.KEYTAG else None
            value = self.scalar(_text(t.key(c)), not bits & _KEY_STYLED, tag, path)
            if bits & ryml.KEYANCH:
                self.anchors[_text(t.key_anchor(c))] = _Anchor(value, 1)
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        shown = "null (an empty key, ~ or null)" if value is None else f"{_kind(value)} ({_json_text(value)})"
        raise self.refuse(f"{f'the mapping at {path}' if path else 'the record'} has a key that is {shown}: "
                          "JSON keys are strings",
                          path, "quote the key to make it a string, e.g. \"true\": ... or \"1.5\": ...")

    def scalar(self, text: str, plain: bool, tag: str | None, path: str) -> Json:
        if tag is not None:
            name = _core_name(tag)
            if name == "!":
                return text
            if name not in _SCALAR_TAGS:
                raise self.tag_refusal(tag, path)
            value = text if name == "str" else _resolve(text)
            if name == "str":
                return value
            if name == "float" and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}[name]
            if type(value) is not wanted:
                raise self.refuse(f"{_where(path)} is tagged {tag} but {text!r} is not one", path,
                                  f"remove the tag, or write a {name} value")
            return value
        return _resolve(text) if plain else text


def _resolve(text: str) -> Json:
    """A plain scalar under the YAML 1.2 core schema, plus timestamps as ISO strings."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    first = text[0]
    if not (first.isdigit() or first in "+-."):
        return text
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    if not _TIMESTAMP.match(text):
        return text
    if len(text) == 10:
        # A date alone (2024-01-02): what ruamel's create_timestamp makes of it, without loading
        # ruamel for the most common timestamp of a record.
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:])).isoformat()
        except ValueError:
            return text
    from ruamel.yaml.util import create_timestamp, timestamp_regexp

    match = timestamp_regexp.match(text)
    if match is not None:
        try:
            return str(create_timestamp(**match.groupdict()).isoformat())
        except ValueError:
            return text  # 2024-02-30 is no date: YAML 1.2 reads it as the text it is
    return text


def _core_name(tag: str) -> str | None:
    """``str`` for ``!!str`` or ``<tag:yaml.org,2002:str>``; ``!`` for the non-specific tag; else None."""
    tag = tag.strip("<>")
    if tag == "!":
        return "!"
    if tag.startswith("!!"):
        return tag[2:]
    if tag.startswith(_CORE):
        return tag[len(_CORE):]
    return None


class _LoneSurrogate(ValueError):
    """A ``\\uD800``-style escape with no other half: no character, so no text JSON can hold."""


def _children(tree: ryml.Tree, i: int) -> Iterator[int]:
    c = tree.first_child(i)
    while c != ryml.NONE:
        yield c
        c = tree.next_sibling(c)


def _text(view: memoryview | None) -> str:
    """A key's or value's text; a null one (``key:``) is empty."""
    if view is None:
        return ""
    raw = bytes(view)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # rapidyaml writes a surrogate pair escape ("\\ud83d\\ude00", as JSON writes it) as two
        # three-byte halves: joined here into the one character they name.
        halves = raw.decode("utf-8", "surrogatepass")
        try:
            return halves.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            raise _LoneSurrogate(halves.encode("ascii", "backslashreplace").decode("ascii")) from None


def _kind(value: Json) -> str:
    return {bool: "a boolean", float: "a float", int: "a number", str: "a string"}.get(type(value), "a collection")


def _json_text(value: Json) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _where(path: str) -> str:
    return f"the value at {path}" if path else "the document"


def _inside(path: str) -> str:
    return f" in the mapping at {path}" if path else ""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:
            yield  # no fd 2 to silence (a daemon): nothing to restore either
            return
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 2)
            finally:
                os.close(devnull)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# What rapidyaml says and what it means for a record file.
_PARSER_HINTS = (
    ("containers as keys", "a key that is a list or mapping: JSON keys are strings",
     "write the key as a string (quote it), or make the collection a value"),
    ("multiline scalars cannot be used as implicit keys", None,
     "fix the YAML at that place (a tab right after 'key:' on a line before another key is one cause "
     "the parser trips on: use a space there)"),
)


def _parse(text: str, label: str) -> ryml.Tree:
    _load_ryml()
    try:
        with _quiet_stderr():
            return ryml.parse_in_arena(text.encode("utf-8"))
    except ryml.ExceptionParse as e:
        loc = e.errdata_parse.ymlloc
        line = int(loc.line) if int(loc.line) > 0 else None
        column = int(loc.col) if line is not None and int(loc.col) > 0 else None
        message, hint = f"is not valid YAML: {e.msg}", "fix the YAML syntax at that place"
        lines = text.splitlines()
        if line is not None and line <= len(lines):
            # rapidyaml's messages can be terse ("parse error"): the line itself says more.
            hint += f" (line {line}: {lines[line - 1][:60]!r})"
        for shape, what, how in _PARSER_HINTS:
            if shape in str(e.msg):
                message, hint = (f"has {what}" if what else message), how
        raise BadContentError(message, where=Where(file=label, line=line, column=column), hint=hint) from None
    except Exception as e:  # the last guard: whatever else the parser raises names the file
        raise BadContentError(f"could not be read as YAML ({type(e).__name__}: {e})", where=Where(file=label),
                              hint="fix the YAML syntax; if it looks right, report this file") from None


def _locate(text: str, path: str | None, occurrence: int, at_value: bool) -> tuple[int, int] | None:
    """Line and column (from 1) of the ``occurrence``-th key (``at_value``: its value) or item at ``path``, from ruamel's
    event parser; None where it cannot tell (it parses some valid files differently, or not at all)."""
    if not path:
        return None
    target = [int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _STEP.finditer(path)]
    # One frame per open collection: [kind, index or key, expecting a key].
    stack: list[list[object]] = []
    seen = 0
    value_next = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for ev in _events(text):
                kind = type(ev).__name__
                if kind in ("MappingEndEvent", "SequenceEndEvent"):
                    stack.pop()
                    _advance(stack)
                    continue
                if kind not in ("ScalarEvent", "AliasEvent", "MappingStartEvent", "SequenceStartEvent"):
                    continue
                if value_next:
                    return ev.start_mark.line + 1, ev.start_mark.column + 1
                top = stack[-1] if stack else None
                if top is not None and top[0] == "map" and top[2]:
                    top[1], top[2] = getattr(ev, "value", None), False
                    if [f[1] for f in stack] == target:
                        seen += 1
                        if seen == occurrence and not at_value:
                            return ev.start_mark.line + 1, ev.start_mark.column + 1
                        value_next = seen == occurrence
                    continue
                if top is not None and top[0] == "seq" and [f[1] for f in stack] == target:
                    return ev.start_mark.line + 1, ev.start_mark.column + 1
                if kind == "MappingStartEvent":
                    stack.append(["map", None, True])
                elif kind == "SequenceStartEvent":
                    stack.append(["seq", 0, False])
                else:
                    _advance(stack)
    except Exception:  # noqa: BLE001 - a position is a help, never a reason to fail
        return None
    return None


def _advance(stack: list[list[object]]) -> None:
    """A value is complete: the mapping above it expects a key, the sequence its next item."""
    if not stack:
        return
    top = stack[-1]
    if top[0] == "map":
        top[2] = True
    elif isinstance(top[1], int):
        top[1] += 1


def _events(text: str) -> Iterator[Event]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    return iter(yaml.parse(text))


def read_document(text: str, label: str) -> Json:
    """The JSON data of a one-document YAML text; None for an empty one.

    Raises BadContentError (exit 1) naming the file, and the line and column or
    the field path where known, for invalid YAML and for what JSON cannot hold.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        at = bad.start()
        line = text.count("\n", 0, at) + 1
        raise BadContentError(f"is not valid YAML: unacceptable character #x{ord(bad.group()):04x}: "
                              "control characters are not allowed",
                              where=Where(file=label, line=line, column=at - (text.rfind("\n", 0, at) + 1) + 1),
                              hint="remove the control character, or write it escaped in a double-quoted string")
    if _no_document(text):
        return None
    tree = _parse(text, label)
    root = tree.root_id()
    node = root
    if tree.is_stream(root):
        docs = list(_children(tree, root))
        if len(docs) > 1:
            raise BadContentError(
                f"holds {len(docs)} YAML documents (separated by ---); a record is one document",
                where=Where(file=label),
                hint="keep one document: split the others into records of their own, or remove the extra ---",
            )
        if not docs:
            return None
        node = docs[0]
    reader = _Reader(tree, text, label)
    try:
        return reader.node(node, "", 0)[0]
    except BadContentError:
        raise
    except _LoneSurrogate as e:
        raise BadContentError(f"holds an escape of half a UTF-16 surrogate pair, which is no character: {e}",
                              where=Where(file=label),
                              hint="write the character itself, or escape both halves (\\ud83d\\ude00)") from None
    except Exception as e:  # the last guard over the tree walk
        raise BadContentError(f"could not be read as YAML ({type(e).__name__}: {e})", where=Where(file=label),
                              hint="fix the YAML syntax; if it looks right, report this file") from None


def _no_document(text: str) -> bool:
    """Whether ``text`` is blank lines and comments alone (no YAML document: rapidyaml reads None).
    Only lines of spaces, or spaces then ``#``: anything else (a tab, a CR, a BOM) is parsed."""
    for line in text.split("\n"):
        body = line.lstrip(" ")
        if body and body[0] != "#":
            return False
    return True


def read_value(text: str, label: str = "the set value") -> Json:
    """One ``--set`` value, read once: quoted stays a string, plain follows the core schema.

    ``'"007"'`` is the string ``007``, ``007`` the number 7, ``[a, b]`` a list;
    text that is no YAML value (``a: b: c``) and an empty value are the text itself.
    What JSON cannot hold (``!!binary ...``, an alias bomb) is refused as in a file.
    """
    if not text.strip():
        return text
    try:
        value = read_document(text, label)
    except BadContentError as e:
        if e.message.startswith("is not valid YAML"):
            return text
        raise
    if value is None and text.strip() not in _NULLS:
        return text  # a comment or a bare anchor: no value, so the text is meant
    return value


@functools.cache
def _legacy_loader() -> type[Any]:
    """The reading before this module (ruamel's C parser, safe constructor), kept only
    to tell which stored versions the YAML 1.2 reading refuses or reads differently
    (fsck, validate): defined on first use, as no other command needs ruamel."""
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.resolver import Resolver

    class _LegacyLoader(CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            Resolver.__init__(self, loadumper=self)

    return _LegacyLoader


def _legacy_plain(node: object) -> Json:
    if isinstance(node, dict):
        return {_legacy_key(k): _legacy_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_legacy_plain(v) for v in node]
    if isinstance(node, (set, frozenset)):
        return sorted((_legacy_plain(v) for v in node), key=lambda v: (type(v).__name__, str(v)))
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    if isinstance(node, bytes):
        return base64.b64encode(node).decode("ascii")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    return str(node)


def _legacy_key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(_legacy_plain(key))


def read_before(text: str) -> Json:
    """What the reading before YAML 1.2 (ruamel's C loader) made of ``text``; raises on what it refused."""
    loader = _legacy_loader()(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _legacy_plain(loader.get_single_data())
    finally:
        loader.dispose()


def reading_change(text: str, label: str) -> str | None:
    """How the YAML 1.2 reading of a stored ``text`` differs from the reading before it
    (None: it reads the same, or the earlier reading refused it too)."""
    try:
        now = read_document(text, label)
    except BadContentError as e:
        return f"is refused by the YAML 1.2 reading: {e.message}" + (f" ({e.hint})" if e.hint else "")
    try:
        before = read_before(text)
    except Exception:  # noqa: BLE001 - what the old reading refused was never stored as it read
        return None
    path = _first_difference(before, now, "")
    if path is None:
        return None
    shown = path or "the whole record"
    return (f"reads differently under YAML 1.2 at {shown}: {_show(_at(before, path))} before, "
            f"{_show(_at(now, path))} now")


def same_data(a: Json, b: Json) -> bool:
    """Whether two readings hold the same data, key order included (NaN equal to NaN)."""
    return _first_difference(a, b, "") is None


def _first_difference(a: Json, b: Json, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            if k not in a or k not in b:
                return f"{path}.{k}" if path else k
            sub = _first_difference(a[k], b[k], f"{path}.{k}" if path else k)
            if sub is not None:
                return sub
        return None if list(a) == list(b) else path
    if isinstance(a, list) and isinstance(b, list):
        for n, (x, y) in enumerate(zip(a, b)):
            sub = _first_difference(x, y, f"{path}[{n}]")
            if sub is not None:
                return sub
        return None if len(a) == len(b) else path
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return None
    return None if type(a) is type(b) and a == b else path


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _at(data: Json, path: str) -> Json | _Missing:
    node: Json | _Missing = data
    for m in _STEP.finditer(path):
        if m.group(2) is not None and isinstance(node, list) and int(m.group(2)) < len(node):
            node = node[int(m.group(2))]
        elif m.group(1) is not None and isinstance(node, dict) and m.group(1) in node:
            node = node[m.group(1)]
        else:
            return _Missing()
    return node


class _Missing:
    """A field one reading has and the other has not."""


def _show(value: Json | _Missing) -> str:
    if isinstance(value, _Missing):
        return "absent"
    return json.dumps(value, ensure_ascii=False)[:80]


READING_CHANGED = "yaml_reading_changed"
# Blobs never change, so what the two readings make of one is kept in the store's cache; the
# parser's version is part of the kind, so an upgrade reads every blob again.
def _cache_kind() -> str:
    _load_ryml()
    return f"yaml-reading-change/{ryml.version}"


def stored_reading_problem(store: Store, blob: str, record: str, version: str) -> Problem | None:
    """A problem for a stored version that the YAML 1.2 reading refuses or reads differently
    from the reading it was saved under (None: it reads as it did)."""
    return _problem(_changes(store, [blob])[blob], record, version)


def _problem(change: str | None, record: str, version: str) -> Problem | None:
    if change is None:
        return None
    return Problem(f"stored version {version[:12]} {change}", code=READING_CHANGED,
                   where=Where(record=record),
                   hint=f"write the value as meant in content/{record}.yaml (quote a string, e.g. \"1_000\"; "
                        f"spell a number plainly, e.g. 1000), save it (Site.save), and publish it if it was "
                        "published; older versions only matter if you revert to them",
                   cause="yamlread.reading_changed", data={"record": record})


def _changes(store: Store, blobs: list[str]) -> dict[str, str | None]:
    """``reading_change`` of each blob, from the cache where it was worked out before."""
    kind = _cache_kind()
    cached = store.cache.get_many(kind, blobs)
    found: dict[str, str | None] = {b: (cached[b] or None) for b in blobs if b in cached}
    fresh: dict[str, str] = {}
    for blob in blobs:
        if blob in found:
            continue
        try:
            change = reading_change(store.get_blob(blob).decode("utf-8"), blob[:12])
        except UnicodeDecodeError:
            change = None  # refused before as now, with the same message: nothing changed
        found[blob] = change
        fresh[blob] = change or ""
    if fresh:
        store.cache.put_many(kind, fresh)
    return found


def stored_reading_problems(store: Store) -> list[Problem]:
    """``stored_reading_problem`` for every version reachable from the refs of ``store``.

    Records in batches: memory grows with a batch's histories, not the store, and the
    cache is asked once a batch (one lookup a record cost more than the reading).
    """
    snap = store.snapshot(conflicts_ok=True)
    records = snap.records()
    found: list[Problem] = []
    for start in range(0, len(records), _BATCH):
        versions: dict[str, tuple[str, str]] = {}  # blob -> the newest (record, version) holding it
        for record in records[start:start + _BATCH]:
            walked: set[str] = set()
            for head in (snap.current.get(record), snap.published.get(record), snap.archived.get(record)):
                for oid, version in store.history(head):
                    if oid in walked:
                        break
                    walked.add(oid)
                    versions.setdefault(version.blob, (record, oid))
        changes = _changes(store, list(versions))
        found += [p for blob, (record, oid) in versions.items() if (p := _problem(changes[blob], record, oid))]
    return found


_BATCH = 2000
