"""Field-level diff of two records, and the unified diff of their YAML text.

A diff is a list of ``Change`` objects, each at a field path:

- ``seo.title`` for a field in a mapping, ``tags[2]`` for a list item by
  position, ``sections[id=intro]`` for a list item matched by key (when the
  model names one in ``diff_keys``), ``["odd.key"]`` for a key that is not a
  plain name;
- ``kind``: ``added``, ``removed``, ``changed`` (same type), ``type_changed``
  (e.g. a string became a list) or ``moved`` (a keyed list item changed
  place; ``old`` and ``new`` are then its positions);
- a long string (several lines, or over ``LONG_STRING`` characters) that
  changed carries ``text_diff``: the line diff inside the field;
- ``not_in_model``: the model's schema does not declare the field (any more).

A mapping or list that is added or removed whole is one change, not one per
leaf. Mapping keys come in the old document's order, then new keys in the
new one's: the order is stable, so the JSON of a diff is too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LONG_STRING = 80
KINDS = ("added", "removed", "changed", "type_changed", "moved")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Change:
    """One difference at one field path (see the module docstring for the fields)."""

    path: str
    kind: str
    old: Any = None
    new: Any = None
    old_type: str | None = None
    new_type: str | None = None
    text_diff: list[str] | None = None
    not_in_model: bool = False


def type_name(value: Any) -> str:
    """The JSON Schema name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _same(a: Any, b: Any) -> bool:
    # 1 == True and 1 == 1.0 in Python, but not in a record.
    if type_name(a) != type_name(b):
        return False
    return bool(a == b) or (a != a and b != b)


def diff_data(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *,
              keys: Mapping[str, str] | None = None, schema: Mapping[str, Any] | None = None) -> list[Change]:
    """The changes from ``old`` to ``new`` (None is an absent record: every field added or removed).

    ``keys`` maps a list's path pattern (``sections``, ``sections[].blocks``)
    to the field that identifies its items; ``schema`` is the model's JSON
    Schema, used to mark fields it does not declare.
    """
    differ = _Differ(dict(keys or {}), schema)
    differ.mapping(dict(old or {}), dict(new or {}), "", "", [])
    return differ.changes


def stat(changes: list[Change]) -> dict[str, int]:
    """How many changes of each kind (every kind present, zero when none)."""
    counts = {kind: 0 for kind in KINDS}
    for c in changes:
        counts[c.kind] += 1
    return counts


def text_diff(old: bytes | None, new: bytes | None, old_label: str, new_label: str) -> list[str]:
    """A unified diff of two YAML texts, git style (empty when equal)."""
    a = _lines(old.decode("utf-8", errors="replace")) if old is not None else []
    b = _lines(new.decode("utf-8", errors="replace")) if new is not None else []
    return _unified(a, b, old_label if old is not None else "/dev/null",
                    new_label if new is not None else "/dev/null", context=3)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _unified(a: list[str], b: list[str], fromfile: str, tofile: str, *, context: int) -> list[str]:
    import difflib  # a diff's alone: show and log import this module for ``Change``

    out = []
    for i, line in enumerate(difflib.unified_diff(a, b, fromfile, tofile, n=context)):
        if line.endswith("\n"):
            out.append(line[:-1])
        else:
            out.append(line)
            if i >= 2 and not line.startswith("@@"):
                out.append("\\ No newline at end")
    return out


def _is_long(value: str) -> bool:
    return "\n" in value.rstrip("\n") or len(value) > LONG_STRING


def _key_step(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else f"[{json.dumps(key, ensure_ascii=False)}]"


def _join(path: str, key: str) -> str:
    step = _key_step(key)
    if not path or step.startswith("["):
        return path + step
    return f"{path}.{step}"


def _scalar_text(value: Any) -> str:
    return value if isinstance(value, str) and _PLAIN_KEY.match(value) else json.dumps(value, ensure_ascii=False)


class _Differ:
    def __init__(self, keys: dict[str, str], schema: Mapping[str, Any] | None):
        self.keys = keys
        self.schema = schema
        self.changes: list[Change] = []

    def add(self, path: str, kind: str, old: Any, new: Any, steps: list[Any], *, absent_old: bool = False,
            absent_new: bool = False, text: list[str] | None = None) -> None:
        self.changes.append(Change(
            path=path, kind=kind, old=old, new=new,
            old_type=None if absent_old or kind == "moved" else type_name(old),
            new_type=None if absent_new or kind == "moved" else type_name(new),
            text_diff=text, not_in_model=not self.declared(steps),
        ))

    def value(self, old: Any, new: Any, path: str, pattern: str, steps: list[Any]) -> None:
        if _same(old, new):
            return
        if type_name(old) != type_name(new):
            self.add(path, "type_changed", old, new, steps)
        elif isinstance(old, dict):
            self.mapping(old, new, path, pattern, steps)
        elif isinstance(old, list):
            self.sequence(old, new, path, pattern, steps)
        elif isinstance(old, str) and (_is_long(old) or _is_long(new)):
            lines = _unified(_lines(old), _lines(new), "old", "new", context=2)[2:]
            self.add(path, "changed", old, new, steps, text=lines)
        else:
            self.add(path, "changed", old, new, steps)

    def mapping(self, old: dict[str, Any], new: dict[str, Any], path: str, pattern: str,
                steps: list[Any]) -> None:
        for key in [*old, *(k for k in new if k not in old)]:
            sub, sub_pattern, sub_steps = _join(path, key), _join(pattern, key), [*steps, key]
            if key not in new:
                self.add(sub, "removed", old[key], None, sub_steps, absent_new=True)
            elif key not in old:
                self.add(sub, "added", None, new[key], sub_steps, absent_old=True)
            else:
                self.value(old[key], new[key], sub, sub_pattern, sub_steps)

    def sequence(self, old: list[Any], new: list[Any], path: str, pattern: str, steps: list[Any]) -> None:
        key = self.keys.get(pattern)
        if key is not None and _keyable(old, key) and _keyable(new, key):
            self.keyed(old, new, key, path, pattern, steps)
            return
        for i in range(max(len(old), len(new))):
            sub, sub_steps = f"{path}[{i}]", [*steps, i]
            if i >= len(new):
                self.add(sub, "removed", old[i], None, sub_steps, absent_new=True)
            elif i >= len(old):
                self.add(sub, "added", None, new[i], sub_steps, absent_old=True)
            else:
                self.value(old[i], new[i], sub, pattern + "[]", sub_steps)

    def keyed(self, old: list[Any], new: list[Any], key: str, path: str, pattern: str,
              steps: list[Any]) -> None:
        old_at = {item[key]: i for i, item in enumerate(old)}
        new_at = {item[key]: i for i, item in enumerate(new)}
        common_old = [k for k in old_at if k in new_at]
        common_new = [k for k in new_at if k in old_at]
        import difflib

        matcher = difflib.SequenceMatcher(a=common_old, b=common_new, autojunk=False)
        in_place = {k for block in matcher.get_matching_blocks() for k in common_old[block.a:block.a + block.size]}
        for k in [*old_at, *(k for k in new_at if k not in old_at)]:
            sub = f"{path}[{key}={_scalar_text(k)}]"
            sub_steps = [*steps, 0]
            if k not in new_at:
                self.add(sub, "removed", old[old_at[k]], None, sub_steps, absent_new=True)
            elif k not in old_at:
                self.add(sub, "added", None, new[new_at[k]], sub_steps, absent_old=True)
            else:
                if k not in in_place:
                    self.add(sub, "moved", old_at[k], new_at[k], sub_steps)
                self.value(old[old_at[k]], new[new_at[k]], sub, pattern + "[]", sub_steps)

    def declared(self, steps: list[Any]) -> bool:
        """False when the schema does not declare this field; True when it does or cannot tell."""
        node: Any = self.schema
        for step in steps:
            if not isinstance(node, Mapping):
                return True
            if isinstance(step, int):
                node = node.get("items")
                continue
            props = node.get("properties")
            if not isinstance(props, Mapping):
                return True
            if step in props:
                node = props[step]
                continue
            patterns = node.get("patternProperties")
            if isinstance(patterns, Mapping):
                hit = next((v for p, v in patterns.items() if _search(p, step)), None)
                if hit is not None:
                    node = hit
                    continue
            return False
        return True


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _keyable(items: list[Any], key: str) -> bool:
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(key), (str, int)) or isinstance(item.get(key), bool):
            return False
        if item[key] in seen:
            return False
        seen.add(item[key])
    return True
