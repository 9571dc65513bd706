"""``press new M ID``: a working file for a new record, from the model's schema.

Fields with a ``default`` get it; required fields get an empty value of
their type; the other fields are written as comments to fill in or delete.
The file is not saved: the user edits it, then runs ``press save``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import RefusedError, Where
from ..models import Model, load_models, require_model
from ..records import generator_clash, generator_safe_id, load_record, parse_key
from ..site import SiteCore
from ..store import RefKind
from ..store.fsio import write_atomic

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_EMPTY = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}, "null": None}


@dataclass(frozen=True)
class NewResult:
    """The working file ``new`` wrote."""

    record: str
    file: str
    content: bytes


def new_record(site: SiteCore, model: str, rid: str) -> NewResult:
    """Write ``content/<model>/<id>.yaml`` for a new record; refuse to overwrite anything."""
    key = parse_key(f"{model}/{rid}")
    m = require_model(site, load_models(site), key.model, need_file=True)
    record = str(key)
    path = site.working_path(key)
    label = site.rel(path)
    clash = generator_clash(key)
    if clash is not None:
        safe = generator_safe_id(key)
        raise RefusedError(clash, where=Where(record=record),
                           hint=f"choose another id, e.g. Site.new('{key.model}', '{safe}')",
                           cause="new.generator_clash", data={"model": key.model, "id": safe})
    if path.exists() or path.is_symlink():
        raise RefusedError("already exists", where=Where(file=label, record=record),
                           hint="edit it and save it (Site.save)", cause="new.exists", data={"record": record})
    if site.store.read_ref(RefKind.CURRENT, record):
        raise RefusedError("already exists (saved; its working file is missing)",
                           where=Where(record=record),
                           hint=f"get its content back with Site.show('{record}') into {label}",
                           cause="new.saved_without_file", data={"record": record, "file": label})
    content = template(m, record).encode("utf-8")
    load_record(content, label)  # what we write must read back as a record
    write_atomic(path, content, durable=False)
    return NewResult(record=record, file=label, content=content)


def template(model: Model, record: str) -> str:
    """The text of a new record of ``model``."""
    schema = model.schema or {}
    found = schema.get("properties")
    properties: dict[str, Any] = found if isinstance(found, dict) else {}
    required = [r for r in schema.get("required", []) if isinstance(r, str)]
    links = {lf.steps[0]: lf for lf in model.link_fields}
    lines = [f"# {record}: fill in the fields, then run: press save {record}"]
    for name in [*properties, *(r for r in required if r not in properties)]:
        given = properties.get(name)
        prop: dict[str, Any] = given if isinstance(given, dict) else {}
        note = _note(prop, links.get(name), name in required)
        key = name if _PLAIN_KEY.match(name) else json.dumps(name, ensure_ascii=False)
        if "default" in prop:
            lines.append(f"{key}: {_value(prop['default'])}{note}")
        elif name in required:
            lines.append(f"{key}: {_value(_placeholder(prop))}{note}")
        else:
            lines.append(f"# {key}: {_value(_placeholder(prop))}{note}")
    if not any(not line.startswith("#") for line in lines):
        lines.append("{}")
    return "\n".join(lines) + "\n"


def _placeholder(prop: dict[str, Any]) -> Any:
    if "const" in prop:
        return prop["const"]
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return prop["enum"][0]
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _EMPTY.get(kind) if isinstance(kind, str) else None


def _value(value: Any) -> str:
    # JSON is YAML's flow style: any default writes out as valid YAML.
    return json.dumps(value, ensure_ascii=False)


def _note(prop: dict[str, Any], link: Any, required: bool) -> str:
    parts = ["required"] if required else []
    if link is not None:
        many = link.steps[1:] == (None,) or prop.get("type") == "array"
        parts.append(f"links to {link.target}: a list of ids" if many else f"links to {link.target}: an id")
    description = prop.get("description")
    if isinstance(description, str) and description.strip():
        parts.append(description.strip().splitlines()[0][:100])
    return f"  # {'; '.join(parts)}" if parts else ""
