"""``press audit``: prove that a built site holds no text that is in no published version.

A generator reads an export, but a wrong mount, a stale output folder or a
preview build can still ship a draft. The audit takes every string field
value the store knows (every version of every record, deleted ones too,
until ``press gc``) and every working file, keeps the text that is in no
currently published version, and searches the built folder for it:

- ``leak``: text of a draft, an unpublished edit, an archived, withdrawn or
  deleted record, or an unsaved working file; and a working file copied as is.
- ``stale``: text of a version that was published once and has been replaced
  since (it was public, but is no longer what the site says).

Generators re-render text, so both sides are brought to one canonical form
before they are compared: Markdown links, images and emphasis, HTML tags,
entities and escaped HTML inside XML, JSON string escapes, typographic quotes,
dashes and ellipses (smartypants), Unicode compatibility forms, case and every
whitespace run are folded away. Long values (Markdown bodies) are cut into
sentences within their paragraphs, list items and headings, each at least
``min_length`` characters (short sentences join the next): a generator
re-wraps and re-blocks a body, but keeps its sentences.

The search is one Aho-Corasick automaton (``pyahocorasick``) over the
canonical text of each file: one pass a file, whatever the number of
fragments (a regular expression alternation of 30,000 fragments took minutes
for 2 MB, where the automaton takes about a second for 24 MB).
"""

from __future__ import annotations

import bisect
import hashlib
import html
import json
import os
import re
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from .errors import BadContentError, PressError, Problem, StoreDamagedError, UsageError, Where
from .records import list_working, load_record
from .site import SiteCore
from .store import RefKind, Store
from .workflow.statcache import StatCache

DEFAULT_MIN_LENGTH = 20
KINDS = ("leak", "stale")
# Folders a built site may hold that are never served, and whose text is compressed anyway.
SKIPPED_DIRS = {".git"}
# A file with a NUL byte in its first block is not text (an image, a font, an archive).
_SNIFF = 8192
# What a finding quotes of the text it found.
_QUOTE = 100

# --- the canonical form -------------------------------------------------------------------

# Link text may be wrapped over lines; it ends at the first "]", so a match never runs far.
# None spans a \x00 or \x01: they separate the texts and the files searched in one pass.
_IMAGE = re.compile(r"!\[[^\]\x00\x01]*\]\([^)\x00\x01]*\)")
_LINK = re.compile(r"\[([^\]\x00\x01]*)\](?:\([^)\x00\x01]*\)|\[[^\]\x00\x01]*\])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s\x00\x01]+|[^<>\s@\x00\x01]+@[^<>\s@\x00\x01]+)>")
_COMMENT = re.compile(r"<!--[^\x00\x01]*?-->")
_TAG = re.compile(r"</?[A-Za-z][^<>\x00\x01]*>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_ESCAPED_SPACE = re.compile(r"\\[nrt]")
_DASHES = re.compile(r"-{2,}")
# Attribute values a page shows or hands to readers and crawlers (alt text, tooltips,
# <meta content>): their text is searched too, apart from the page's text.
# (Matched from the "=": a pattern that starts with a name is tried at every character.)
_ATTRIBUTE = re.compile(r"""=(?:(?<=alt=)|(?<=title=)|(?<=content=)|(?<=aria-label=)|(?<=placeholder=)"""
                        r"""|(?<=value=)|(?<=label=))\s*(?:"([^"\x00\x01]*)"|'([^'\x00\x01]*)')""", re.I)
# Characters a renderer adds, drops or swaps for others: whitespace (re-wrapping, <br>),
# Markdown emphasis, code and table marks, backslash escapes, heading and quote marks,
# every kind of quote (smartypants), soft hyphens and zero-width characters.
_DROPPED = " \t\n\r\f\v\x85\u2028\u2029*_`~|#<>\\'\"\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f" \
           "\u2039\u203a\u00ab\u00bb\u2032\u2033\u00b4\u00ad\u200b\u200c\u200d\u2060\ufeff"
_FOLD = str.maketrans({
    **{c: None for c in _DROPPED},
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    "\u00a9": "(c)", "\u00ae": "(r)", "\u00b1": "+-",
})
# Joins the texts of one file, kept by ``canonical``: no fragment holds it, so none spans two texts.
SEPARATOR = "\x00"


def _markup_free(text: str) -> str:
    """``text`` without Markdown links and images or HTML tags and entities (twice: escaped HTML in XML)."""
    if "[" in text or "<" in text:
        text = _AUTOLINK.sub(r"\1", _LINK.sub(r"\1", _IMAGE.sub("", text)))
    for _ in range(2):
        if "<" in text:
            text = _TAG.sub("", _COMMENT.sub("", text))
        if "&" not in text:
            break
        text = html.unescape(text)
    if "\\" in text:
        # JSON and YAML string escapes: an export's strings, a stored version's text.
        text = _ESCAPED_SPACE.sub(" ", _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    return text


def canonical(text: str) -> str:
    """The form both sides are compared in: no markup, no whitespace, no quotes, one dash, casefolded.

    A fragment found in a file in this form is the same text, however the
    generator rendered it; ``\\x00`` (which the form never holds) can join texts
    that no fragment may span.
    """
    text = unicodedata.normalize("NFKC", _markup_free(text)).translate(_FOLD)
    if "--" in text:
        text = _DASHES.sub("-", text)
    return text.casefold()


def _key(fragment: str) -> str:
    """A fragment's canonical form, as the automaton holds it."""
    return canonical(fragment).replace(SEPARATOR, "").replace("\x01", "")


def _visible(text: str) -> int:
    """How many characters ``text`` shows once rendered: markup gone, whitespace runs as one space."""
    return len(" ".join(_markup_free(text).split()))


# --- cutting values into fragments ------------------------------------------------------

# What starts a Markdown block on a line: a heading, a quote, a list item.
_BLOCK_START = re.compile(r"^ {0,3}(?:#{1,6}(?=\s|$)|(?:>\s?)+|[-+*](?=\s)|\d{1,9}[.)](?=\s))[ \t]*")
# Lines that render no text: code fences, rules and setext underlines, link definitions.
_NO_TEXT = re.compile(r"^ {0,3}(?:`{3,}.*|~{3,}.*|[-=*_ \t]{3,}|\[[^\]]+\]:\s*\S+.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u2019\u201d)\]*_]*\s+")


def _blocks(value: str) -> Iterator[str]:
    """The paragraphs, list items and headings of a Markdown (or plain) text, markers removed."""
    block: list[str] = []
    for line in value.splitlines():
        if not line.strip() or _NO_TEXT.match(line):
            if block:
                yield " ".join(block)
                block = []
            continue
        start = _BLOCK_START.match(line)
        if start:
            if block:
                yield " ".join(block)
            block = [line[start.end():].strip()]
        else:
            block.append(line.strip())
    if block:
        yield " ".join(block)


def fragments(value: str, min_length: int = DEFAULT_MIN_LENGTH) -> list[str]:
    """The pieces of ``value`` the audit searches for: sentences of at least ``min_length`` characters.

    A sentence shorter than that joins the next one of its block (a short
    last one joins the one before); a block shorter than that is left out.
    """
    if _visible(value) < min_length:
        return []
    out: list[str] = []
    for block in _blocks(value):
        pieces: list[str] = []
        start = len(out)
        for sentence in _SENTENCE_END.split(block):
            pieces.append(sentence)
            text = " ".join(pieces)
            if _visible(text) >= min_length:
                out.append(text)
                pieces = []
        if pieces and len(out) > start:
            out[-1] = " ".join([out[-1], *pieces])
    return out


def strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in ``data`` (nested lists and mappings too) with its field path."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from strings(value, f"{path}[{i}]")


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Text of ``record``'s ``field`` found in ``file`` (relative to the audited folder).

    ``kind`` is ``leak`` or ``stale``; ``origin`` says which text it is:
    ``draft`` (a record never published), ``unpublished edit`` (a version of a
    published record that never was), ``archived``, ``withdrawn`` (unpublished
    since), ``deleted``, ``working file`` (unsaved), ``working file copy`` (the
    file itself, ``field`` empty), or ``replaced`` (stale). ``version`` is the
    newest version that holds the text; ``text`` quotes the first fragment
    found, ``matches`` counts the fragments of that field found in the file.
    """

    file: str
    record: str
    field: str
    kind: str
    origin: str
    version: str | None
    text: str
    matches: int


@dataclass(frozen=True)
class AuditResult:
    """What ``press audit`` searched and found; ``ok`` when nothing was found.

    ``files``: the files read under ``out``; ``fragments``: the pieces of text
    in no published version searched for; ``leaks`` and ``stale``: the
    findings of each kind.
    """

    out: str
    min_length: int
    files: int
    fragments: int
    leaks: int
    stale: int
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the built site holds no finding."""
        return not self.findings


# --- what to search for -------------------------------------------------------------------


@dataclass
class _Source:
    """Where a fragment comes from: one record's field, in versions of one kind."""

    record: str
    field: str
    kind: str
    origin: str
    version: str | None


@dataclass
class Patterns:
    """The fragments of text that is in no published version of its record, and where each comes from.

    ``texts[i]`` is fragment i as written (for the report), ``sources[i]`` the
    record fields it comes from, ``automaton`` finds them all (its value for a
    fragment is i). A fragment may still be in another record's published
    version: ``published_holds`` tells, for the few fragments a build holds.
    ``copies`` maps the size and sha256 of every working file to its record,
    to find files copied as is.
    """

    texts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    sources: list[list[_Source]] = field(default_factory=list)
    automaton: Any = None
    public_blobs: list[str] = field(default_factory=list)
    copies: dict[tuple[int, str], str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


# Events are written with sorted keys and no spaces (store.events.encode_event): the versions
# a log names are read from its bytes, without parsing every line of every record's log.
_EVENT_OID = re.compile(rb'"(?:archived|new|old|reverted_to)":"([0-9a-f]{64})"')
_PUBLISHED_OID = re.compile(rb'"action":"publish"[^\n]*?"new":"([0-9a-f]{64})"')


def _log_versions(store: Store, record: str) -> tuple[list[str], set[str]]:
    """The versions ``record``'s event log names, and those it says were published."""
    raw = store.read_log_bytes(record)
    return ([m.decode() for m in _EVENT_OID.findall(raw)],
            {m.decode() for m in _PUBLISHED_OID.findall(raw)})


def collect(site: SiteCore, min_length: int = DEFAULT_MIN_LENGTH) -> Patterns:
    """The fragments of every text of the site that its record's published version does not hold.

    Reads every version of every record that is not its published one: those
    the refs and the event log name (every save logs the version it makes,
    so deleted records' versions are found until gc removes them) and their
    parents. The published version is not parsed: a site's records are
    mostly published and unchanged, and it is only searched, as stored (its
    YAML text in canonical form), for the fragments of its own record's other
    versions. Working files are hashed through the stat cache ``status`` uses.
    """
    store = site.store
    snap = store.snapshot()
    patterns = Patterns()
    parsed: dict[str, dict[str, Any] | None] = {}
    current_blobs: dict[str, str] = {}
    index: dict[str, int] = {}
    facts = StatCache(site)

    def data_of(blob: str, label: str) -> dict[str, Any] | None:
        if blob not in parsed:
            try:
                parsed[blob] = load_record(store.get_blob(blob), label)
            except BadContentError:
                # Stored as saved; a model without a schema may hold anything. No fields to audit.
                parsed[blob] = None
        return parsed[blob]

    def add(found: list[tuple[str, str, _Source]], public: str | None) -> None:
        """Keep the fragments the record's published version does not hold."""
        if public is not None and found:
            shown = canonical(store.get_blob(public).decode("utf-8", errors="replace"))
            found = [c for c in found if c[0] not in shown]
            # Text a replaced published version held was public: stale, even if a draft held it too.
            was_public = {(key, source.field) for key, _text, source in found if source.kind == "stale"}
            found = [c for c in found if c[2].kind == "stale" or (c[0], c[2].field) not in was_public]
        for key, text, source in found:
            i = index.setdefault(key, len(patterns.texts))
            if i == len(patterns.texts):
                patterns.texts.append(text)
                patterns.keys.append(key)
                patterns.sources.append([source])
            elif all((s.record, s.field, s.kind) != (source.record, source.field, source.kind)
                     for s in patterns.sources[i]):
                # History is walked newest first: the newest version of a field holding the text is named.
                patterns.sources[i].append(source)

    def cut(data: dict[str, Any] | None, record: str, kind: str, origin: str,
            version: str | None) -> list[tuple[str, str, _Source]]:
        return [(key, text, _Source(record, path, kind, origin, version))
                for path, value in strings(data or {}) for text in fragments(value, min_length)
                if (key := _key(text))]

    for record in sorted(set(snap.records()) | set(store.log_records())):
        named, ever = _log_versions(store, record)
        refs = {str(kind): snap.get(kind, record) for kind in RefKind}
        if refs["current"]:
            current_blobs[record] = facts.version(record, refs["current"]).blob
        public = refs["published"]
        public_blob = None
        if public:
            public_blob = current_blobs[record] if public == refs["current"] else store.get_version(public).blob
            patterns.public_blobs.append(public_blob)
        found: list[tuple[str, str, _Source]] = []
        # Every save logs the version it makes, so the refs and the log name every version; the
        # published one is not read (it is most records' only one), the others and their parents are.
        queue = deque(dict.fromkeys([oid for oid in refs.values() if oid] + named))
        seen: set[str] = set()
        while queue:
            oid = queue.popleft()
            if oid in seen or oid == public:
                continue
            seen.add(oid)
            if not store.has_object(oid):
                continue  # removed by gc (max_versions, or a deleted record's): no text left to ship
            try:
                version = store.get_version(oid)
                data = data_of(version.blob, f"{record}@{oid[:12]}")
            except StoreDamagedError as e:
                patterns.warnings.append(Problem(
                    f"version {oid[:12]} cannot be read ({e.message}); its text was not audited",
                    code="history_unreadable", where=Where(record=record), hint="check the store (Site.fsck)",
                    cause="audit.history_unreadable"))
                continue
            if version.parent is not None:
                queue.append(version.parent)
            kind, origin = _classify(oid, refs, ever)
            found += cut(data, record, kind, origin, oid)
        add(found, public_blob)

    for key in list_working(site.root):
        record = str(key)
        try:
            blob = facts.working_blob(key)
        except PressError:
            continue  # a link or an oversized file: press reads it for nothing, nor does the audit
        if blob is None:
            continue
        path = site.working_path(key)
        try:
            size = os.lstat(path).st_size
        except OSError:
            continue
        patterns.copies[(size, blob)] = record
        if blob == current_blobs.get(record):
            continue
        try:
            raw = site.read_working(key)
            doc = load_record(raw, site.rel(path)) if raw is not None else None
        except (PressError, OSError):
            continue
        public = snap.published.get(record)
        public_blob = None
        if public:
            public_blob = current_blobs.get(record) if public == snap.current.get(record) else \
                store.get_version(public).blob
        add(cut(doc, record, "leak", "working file", None), public_blob)
    # What was learnt of working files and current versions saves the next status (and audit) the reads.
    facts.save()

    if patterns.keys:
        patterns.automaton = _automaton(patterns.keys)
    return patterns


def published_holds(site: SiteCore, patterns: Patterns, wanted: set[int]) -> set[int]:
    """Which of the fragments ``wanted`` (indexes) some published version holds, in any record."""
    if not wanted:
        return set()
    order = sorted(wanted)
    automaton = _automaton([patterns.keys[i] for i in order])
    held: set[int] = set()
    batch: list[str] = []
    size = 0
    for n, blob in enumerate(patterns.public_blobs):
        text = site.store.get_blob(blob).decode("utf-8", errors="replace")
        batch.append(text)
        size += len(text)
        if size >= _BATCH or n == len(patterns.public_blobs) - 1:
            held.update(order[j] for j in _search(automaton, canonical(SEPARATOR.join(batch))))
            batch, size = [], 0
    return held


def _classify(oid: str, refs: dict[str, str | None], ever: set[str]) -> tuple[str, str]:
    """The kind and origin of a version that is not the published one."""
    if refs["archived"]:
        return "leak", "archived"
    if refs["published"]:
        return ("stale", "replaced") if oid in ever else ("leak", "unpublished edit")
    if not refs["current"]:
        return "leak", "deleted"
    return "leak", "withdrawn" if oid in ever else "draft"


def _automaton(keys: list[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for i, key in enumerate(keys):
        automaton.add_word(key, i)
    automaton.make_automaton()
    return automaton


def _search(automaton: ahocorasick.Automaton | None, text: str) -> Iterator[int]:
    """The index of every key found in ``text`` (once per occurrence)."""
    if automaton is None:
        return
    for _end, i in automaton.iter(text):
        yield i


# --- searching the built site -------------------------------------------------------------

# Built files are read and put in canonical form this many characters at a time: one pass of
# each regular expression over many files, with memory that does not grow with the site.
_BATCH = 4 << 20
# Between the files of a batch, as SEPARATOR is between the texts of a file; neither is text.
_FILE_SEPARATOR = "\x01"
_NOT_TEXT = str.maketrans({SEPARATOR: None, _FILE_SEPARATOR: None})
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def _structured_strings(name: str, text: str) -> list[str] | None:
    """The string values of a JSON or YAML file (escapes and folded lines undone), or None to read it as text.

    A Markdown file's YAML front matter is read so, and its body as text.
    """
    suffix = os.path.splitext(name)[1].lower()
    try:
        if suffix == ".json":
            return [value for _path, value in strings(json.loads(text))]
        if suffix in (".yaml", ".yml"):
            return [value for _path, value in strings(load_record(text.encode(), name))]
        if suffix in (".md", ".markdown") and (front := _FRONT_MATTER.match(text)):
            data = load_record(front.group(1).encode(), name, allow_empty=True)
            return [*(value for _path, value in strings(data)), text[front.end():]]
    except (ValueError, RecursionError, BadContentError):
        pass
    return None


def page_text(name: str, text: str) -> str:
    """One built file's text as searched, before the canonical form: what it shows, then its attribute values."""
    text = text.translate(_NOT_TEXT)
    parts = _structured_strings(name, text)
    if parts is not None:
        text = SEPARATOR.join(part.translate(_NOT_TEXT) for part in parts)
    if "=" in text:
        attributes = [a or b for a, b in _ATTRIBUTE.findall(text)]
        if attributes:
            text = SEPARATOR.join([text, *attributes])
    return text


def _files(out: Path) -> Iterator[tuple[str, str]]:
    """Every regular file under ``out`` (not in a .git folder), sorted: its path relative to ``out``, and its path."""
    for folder, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        rel = os.path.relpath(folder, out)
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                yield (name if rel == "." else f"{rel}/{name}").replace(os.sep, "/"), path


def audit(site: SiteCore, out: str | os.PathLike[str], *, min_length: int = DEFAULT_MIN_LENGTH) -> AuditResult:
    """Search the built site in ``out`` for text that is in no published version (see the module's doc)."""
    if min_length < 1:
        raise UsageError(f"min_length must be 1 or more, not {min_length}",
                         hint=f"the default is {DEFAULT_MIN_LENGTH}: shorter fragments match by chance",
                         cause="audit.min_length", data={"value": min_length})
    folder = Path(out)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder" if folder.exists() else f"{folder} does not exist",
                         hint="give the folder the generator built the site into (e.g. public/ or _site/)")
    patterns = collect(site, min_length)
    sizes = {size for size, _sha in patterns.copies}
    copies: list[tuple[str, str]] = []
    hits: list[tuple[str, int]] = []
    warnings = list(patterns.warnings)
    batch: list[tuple[str, str]] = []
    size = 0
    files = 0

    def flush() -> None:
        text = canonical(_FILE_SEPARATOR.join(t for _rel, t in batch))
        starts, at = [], 0
        for segment in text.split(_FILE_SEPARATOR):
            starts.append(at)
            at += len(segment) + 1
        for end, i in patterns.automaton.iter(text):
            hits.append((batch[bisect.bisect_right(starts, end) - 1][0], i))
        batch.clear()

    for rel, path in _files(folder):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            warnings.append(Problem(f"cannot be read: {e.strerror}; not audited", code="unreadable",
                                    where=Where(file=rel)))
            continue
        files += 1
        if len(data) in sizes:
            copied = patterns.copies.get((len(data), hashlib.sha256(data).hexdigest()))
            if copied is not None:
                copies.append((rel, copied))
        if patterns.automaton is None or b"\x00" in data[:_SNIFF]:
            continue
        batch.append((rel, page_text(rel, data.decode("utf-8", errors="replace"))))
        size += len(batch[-1][1])
        if size >= _BATCH:
            flush()
            size = 0
    if batch:
        flush()
    held = published_holds(site, patterns, {i for _rel, i in hits})
    found: dict[tuple[str, str, str, str], list[Any]] = {}
    for rel, record in copies:
        found[(rel, record, "", "leak")] = ["working file copy", None, f"the working file of {record}", 1]
    for rel, i in hits:
        if i in held:
            continue
        for s in patterns.sources[i]:
            entry = found.get((rel, s.record, s.field, s.kind))
            if entry is None:
                found[(rel, s.record, s.field, s.kind)] = [s.origin, s.version, _quote(patterns.texts[i]), 1]
            else:
                entry[3] += 1
    findings = [Finding(file=rel, record=record, field=path, kind=kind, origin=origin, version=version, text=text,
                        matches=matches)
                for (rel, record, path, kind), (origin, version, text, matches) in sorted(found.items())]
    return AuditResult(out=str(folder), min_length=min_length, files=files, fragments=len(patterns),
                       leaks=sum(1 for f in findings if f.kind == "leak"),
                       stale=sum(1 for f in findings if f.kind == "stale"), findings=findings, warnings=warnings)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[:_QUOTE - 1] + "\u2026"
