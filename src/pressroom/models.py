"""Models: ``models/<model>.yaml``, their options, compiled schemas and links.

A model file holds workflow options and a JSON Schema (2020-12) for the
records' fields; a property (or array items) marked ``x-link: <model>`` holds
the id of a record of that model. A folder ``content/<model>/`` without a
model file is a model too: no schema, no links, the default options.

Each schema is checked and compiled once per process (keyed by its content),
and a ``$ref`` is only ever resolved inside the model file itself (or to the
JSON Schema meta-schemas, which ship with jsonschema): nothing is fetched.

Loading is cheap once a model file has been checked: the link fields of a
model file that passed every check are kept in the store's derived cache
(keyed by its bytes, its name and path, pressroom's version and the installed
jsonschema), so a later command loads it without importing jsonschema at all;
the schema is compiled on the first validation (``Model.validator``).
A model file that changed is checked in full when loaded, as before.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import BadContentError, NotFoundError, Problem, Where, close_names, did_you_mean
from .records import ID_RE, MODEL_RE, RecordKey, check_inside, load_record, read_limited
from .site import CONFIG_MAX_SIZE, SiteCore

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry, Resource
    from referencing._core import Resolver

    from .store.cache import DerivedCache

# A link position: a property name, ITEMS for every item of a list, or
# MapValues for the values of a mapping (additionalProperties, patternProperties).
ITEMS = None


@dataclass(frozen=True)
class MapValues:
    """The values of a mapping whose keys match ``pattern`` (None: any) and are
    neither ``named`` nor matched by ``others`` (what additionalProperties leaves out)."""

    pattern: str | None = None
    named: frozenset[str] = frozenset()
    others: tuple[str, ...] = ()

    def takes(self, key: str) -> bool:
        """True when ``key`` is one of the mapping's values this option governs."""
        if key in self.named or any(re.search(p, key) for p in self.others):
            return False
        return self.pattern is None or re.search(self.pattern, key) is not None


# One step from a record's root to a link position: a field name, the values of a
# mapping (MapValues) or the items of a list (ITEMS).
Step = str | MapValues | None


@dataclass(frozen=True)
class Option:
    """One key a model file may hold: its default and how a value is checked."""

    default: Any
    check: Callable[[Any], str | None]  # an error text, or None when the value is fine
    help: str


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number, 0 or more (0 keeps every version)"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be text"


def _diff_keys(value: Any) -> str | None:
    ok = isinstance(value, dict) and all(isinstance(k, str) and k and isinstance(v, str) and v
                                         for k, v in value.items())
    return None if ok else "must map a list's field path to the field naming its items, e.g. {sections: id}"


def _stage_list(value: Any) -> str | None:
    ok = (isinstance(value, list) and all(isinstance(v, str) and ID_RE.match(v) for v in value)
          and len(set(value)) == len(value))
    return None if ok else "must be a list of distinct stage names, e.g. [draft, in_review, ready]"


def _schema_shape(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be a JSON Schema mapping (type: object, properties: ...)"


# The keys of a model file. Another feature adds its option here, with its
# default and check; a key not in this table is refused, not ignored.
MODEL_OPTIONS: dict[str, Option] = {
    "description": Option("", _text, "what the model is for (shown in the list of models)"),
    "schema": Option(None, _schema_shape, "JSON Schema 2020-12 for the record's fields"),
    "draft_published": Option(True, _bool, "false: every save is published at once"),
    "allow_invalid_drafts": Option(False, _bool, "true: an invalid save is kept, with warnings"),
    "max_versions": Option(0, _count, "versions kept per record (0 = all); older ones pruned by gc"),
    "body_field": Option("body", _text, "the text field a markdown export writes after the front matter"),
    "diff_keys": Option({}, _diff_keys, "lists that diff matches by a key field, e.g. {sections: id}"),
    "stages": Option([], _stage_list, "review stages in order, e.g. [draft, in_review, ready]; a save resets to the first"),
    "publish_requires": Option(None, _text, "publish only versions at this stage (from stages) or a later one"),
}


@dataclass(frozen=True)
class FieldProblem(Problem):
    """A validation error: the field path, the rule it breaks and the value there."""

    rule: str = ""
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["rule"] = self.rule
        if self.rule != "required":
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class LinkField:
    """Where links sit in a record (``tags`` + ITEMS) and the model they name."""

    steps: tuple[Step, ...]
    target: str
    key: str  # where it is declared in the model file, for errors
    # Whether the schema gives the position a type (or a choice of subschemas),
    # so that it, not the link check, reports a value of the wrong type.
    typed: bool = False
    # What happens to this record when the linked one moves (x-link's mapping form).
    on_publish: str = "refuse"
    on_unpublish: str = "refuse"
    on_delete: str = "refuse"

    def strategy(self, event: str) -> str:
        """The strategy for ``on_publish``, ``on_unpublish`` or ``on_delete``."""
        value: str = getattr(self, event)
        return value

    @property
    def field(self) -> str:
        """The field as a pattern: ``author``, ``tags[]``, ``seo.author``, ``names.*``."""
        out = ""
        for step in self.steps:
            if step is ITEMS:
                out += "[]"
            else:
                name = "*" if isinstance(step, MapValues) else step
                out += f".{name}" if out else name
        return out


@dataclass(frozen=True, eq=False)
class Model:
    """A model: its options (defaults filled in), compiled schema and link fields."""

    name: str
    file: str | None
    options: Mapping[str, Any]
    link_fields: tuple[LinkField, ...] = ()

    @cached_property
    def validator(self) -> Validator | None:
        """The compiled schema (None without one), compiled on first use: commands that
        validate nothing never import jsonschema. Loading checked the schema already."""
        schema = self.schema
        return None if schema is None else _compile(schema, self.file or self.name)

    @classmethod
    def implicit(cls, name: str) -> Model:
        """A model that has records but no model file: no schema, default options."""
        return cls(name=name, file=None, options={k: o.default for k, o in MODEL_OPTIONS.items()})

    @property
    def schema(self) -> dict[str, Any] | None:
        """The model's JSON Schema, or None for a model without one."""
        schema: dict[str, Any] | None = self.options["schema"]  # _schema_shape checked it
        return schema

    @property
    def draft_published(self) -> bool:
        """False when every save is published at once (the model has no drafts)."""
        value: bool = self.options["draft_published"]  # _bool checked it
        return value

    @property
    def allow_invalid_drafts(self) -> bool:
        """True when an invalid save is kept, with warnings, instead of refused."""
        value: bool = self.options["allow_invalid_drafts"]  # _bool checked it
        return value

    @property
    def max_versions(self) -> int:
        """Versions kept per record (0: all); gc prunes older ones."""
        value: int = self.options["max_versions"]  # _count checked it
        return value

    @property
    def link_targets(self) -> set[str]:
        """The models this model's records may link to."""
        return {lf.target for lf in self.link_fields}

    def links(self, data: Any) -> list[tuple[str, RecordKey]]:
        """Every link in ``data``: (field path like ``tags[2]``, the record it names).

        Values that are not record ids are left out here; ``validate`` reports them.
        """
        out = []
        for lf, path, value in self._link_values(data):
            if isinstance(value, str) and _is_id(value):
                out.append((path, RecordKey(lf.target, value)))
        return out

    def validate(self, data: Any, *, record: str | None = None, file: str | None = None) -> list[Problem]:
        """Schema errors and malformed link values; whether links exist is the workflow's to check."""
        problems: list[Problem] = []
        if self.validator is not None:
            for error in self.validator.iter_errors(data):
                problems.extend(_schema_problems(error, record, file))
        problems.extend(_non_json_numbers(data, record, file))
        for lf, path, value in self._link_values(data):
            if value is None or (isinstance(value, str) and _is_id(value)):
                continue
            if isinstance(value, str):
                problems.append(FieldProblem(
                    f"{_clip_repr(value)} is not a record id (a link to {lf.target} holds the id of a "
                    f"{lf.target} record)",
                    code="link", where=Where(file=file, record=record, path=path), rule="x-link", value=_clip(value),
                    hint=f"write the id only, e.g. ada for {lf.target}/ada",
                ))
            elif not (self.validator is not None and lf.typed):
                # An untyped link field: the schema said nothing, so say it here.
                problems.append(FieldProblem(
                    f"a link to {lf.target} must be a record id (text), not {type(value).__name__}",
                    code="link", where=Where(file=file, record=record, path=path), rule="x-link", value=_clip(value),
                ))
        return sorted(problems, key=lambda p: (p.where.path or "", p.message))

    def link_field(self, data: Any, path: str) -> LinkField | None:
        """The link field holding the link at ``path`` (``tags[2]``) in ``data``."""
        return next((lf for lf, p, _v in self._link_values(data) if p == path), None)

    def _link_values(self, data: Any) -> Iterator[tuple[LinkField, str, Any]]:
        for lf in self.link_fields:
            for path, value in _walk(data, lf.steps, ""):
                if isinstance(value, list):
                    # x-link on an array schema: each item is a link.
                    for i, item in enumerate(value):
                        yield lf, f"{path}[{i}]", item
                else:
                    yield lf, path, value


def _non_json_numbers(data: Any, record: str | None, file: str | None) -> Iterator[Problem]:
    """``.nan`` and ``.inf``: YAML numbers that JSON, and so every export and generator, cannot hold."""
    stack: list[tuple[list[Any], Any]] = [([], data)]
    while stack:
        steps, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(([*steps, k], v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(([*steps, i], v) for i, v in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            yield FieldProblem(
                f"{node!r} is not a number JSON can hold", code="invalid",
                where=Where(file=file, record=record, path=field_path(steps)), rule="json", value=str(node),
                hint="write a finite number, null, or quote it as text ('.inf')",
            )


def _is_id(value: str) -> bool:
    return bool(ID_RE.match(value)) and ".." not in value


def _walk(data: Any, steps: tuple[Step, ...], path: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield path, data
        return
    step, rest = steps[0], steps[1:]
    if step is ITEMS:
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _walk(item, rest, f"{path}[{i}]")
    elif isinstance(step, MapValues):
        if isinstance(data, dict):
            for name, value in data.items():
                if value is not None and step.takes(name):
                    yield from _walk(value, rest, f"{path}.{name}" if path else name)
    elif isinstance(data, dict) and step in data and data[step] is not None:
        yield from _walk(data[step], rest, f"{path}.{step}" if path else step)


# validation problems


def field_path(steps: Any) -> str:
    """``['tags', 2, 'name']`` -> ``tags[2].name``."""
    out = ""
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def _clip(value: Any, limit: int = 200) -> Any:
    """The offending value, short enough to print: long text cut, big lists summarised."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > limit:
            kind = "mapping" if isinstance(value, dict) else "list"
            return f"<{kind} of {len(value)} item(s)>"
    return value


def _clip_repr(value: Any) -> str:
    return repr(_clip(value, 60))


_REQUIRED = re.compile(r"^'(.*)' is a required property$")


def _schema_problems(error: ValidationError, record: str | None, file: str | None) -> list[Problem]:
    steps = list(error.absolute_path)
    rule = str(error.validator)
    if rule == "required":
        m = _REQUIRED.match(error.message)
        name = m.group(1) if m else None
        return [FieldProblem(
            f"{name!r} is required" if name else error.message, code="invalid",
            where=Where(file=file, record=record, path=field_path([*steps, name]) if name else field_path(steps)),
            rule="required", hint=f"add the field {name}" if name else None,
        )]
    schema = error.schema  # the subschema holding the rule: a mapping for additionalProperties
    if (rule == "additionalProperties" and isinstance(error.instance, dict) and isinstance(schema, Mapping)
            and "patternProperties" not in schema):
        known = set(schema.get("properties", {}))
        return [
            FieldProblem(f"{extra!r} is not a field of this model", code="invalid",
                         where=Where(file=file, record=record, path=field_path([*steps, extra])),
                         rule="additionalProperties", value=_clip(error.instance[extra]),
                         hint=_did_you_mean(extra, known))
            for extra in sorted(set(error.instance) - known)
        ]
    message = error.message
    if len(message) > 200:
        message = f"{_clip_repr(error.instance)} does not satisfy {rule}: {_clip_repr(error.validator_value)}"
    return [FieldProblem(message, code="invalid", where=Where(file=file, record=record, path=field_path(steps)),
                         rule=rule, value=_clip(error.instance))]


def _did_you_mean(extra: str, known: set[str]) -> str:
    """The hint for a field the model does not have: the field it was likely meant to be, if any."""
    import difflib

    close = difflib.get_close_matches(extra, sorted(known), n=1)
    if close:
        return f"did you mean {close[0]}? (rename it; or add {extra} to the model's schema properties)"
    return "remove it, or add it to the model's schema properties"


# loading model files

# Compiled validators by schema content: a schema is compiled once per process.
_COMPILED: dict[str, Validator] = {}
# Checked model files by (name, bytes): re-reading an unchanged file costs a hash.
_PARSED: dict[tuple[str, str, str], Model] = {}


def load_models(site: SiteCore) -> dict[str, Model]:
    """Every model of the site: ``models/*.yaml``, and content folders without a model file.

    A model file that is not valid YAML, has an unknown key or a bad option
    value, an invalid schema, a ``$ref`` outside the file, or an ``x-link`` to a
    model that does not exist raises a BadContentError naming the file and key.
    """
    files = model_files(site)
    names = set(files) | _content_models(site)
    models: dict[str, Model] = {}
    for name, path in sorted(files.items()):
        label = site.rel(path)
        check_inside(site.root, path)
        data = read_limited(path, CONFIG_MAX_SIZE, label=label)
        cache_key = (name, label, hashlib.sha256(data).hexdigest())
        model = _PARSED.get(cache_key)
        if model is None:
            model = _parse_model(name, label, data, site.store.cache)
            _PARSED[cache_key] = model
        for lf in model.link_fields:
            if lf.target not in names:
                raise BadContentError(
                    f"x-link names the model {lf.target!r}, which does not exist",
                    where=Where(file=label, path=lf.key),
                    hint=f"create models/{lf.target}.yaml, or link to one of: {', '.join(sorted(names))}",
                )
        models[name] = model
    for name in sorted(names - set(files)):
        models[name] = Model.implicit(name)
    return models


def require_model(site: SiteCore, models: Mapping[str, Model], name: str, *, need_file: bool = False) -> Model:
    """The model ``name``; a NotFoundError naming the known models when there is none."""
    model = models.get(name)
    if model is None or (need_file and model.file is None):
        names = sorted(m.name for m in models.values() if m.file or not need_file)
        what = f"model {name!r} has no model file" if model else f"unknown model {name!r}"
        known = ", ".join(names) or "none yet"
        raise NotFoundError(
            what,
            where=Where(file=f"models/{name}.yaml"),
            hint=(model is None and did_you_mean(close_names(name, names)))
            or f"create models/{name}.yaml (see docs/publishing.md); known models: {known}",
        )
    return model


def model_files(site: SiteCore) -> dict[str, Path]:
    """The model files of the site by model name (models/<model>.yaml); a badly named file raises."""
    folder = site.models_dir
    if not folder.is_dir():
        return {}
    out = {}
    for entry in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(entry)
        if ext != ".yaml" or entry.startswith("."):
            continue
        if not MODEL_RE.match(stem):
            raise BadContentError(
                f"{stem!r} is not a model name",
                where=Where(file=f"models/{entry}"),
                hint="a model name is lowercase letters, digits, '-' and '_' (e.g. post.yaml)",
            )
        out[stem] = folder / entry
    return out



def model_bytes(site: SiteCore) -> bytes:
    """Every model file's name and bytes, in name order (an unreadable one by that word): what
    the caches derived from the models key on."""
    out = []
    for name, path in sorted(model_files(site).items()):
        try:
            out.append(f"\0{name}\0".encode() + path.read_bytes())
        except OSError:
            out.append(f"\0{name}\0unreadable".encode())
    return b"".join(out)

def _content_models(site: SiteCore) -> set[str]:
    content = site.content_dir
    if not content.is_dir():
        return set()
    return {m for m in os.listdir(content) if MODEL_RE.match(m) and (content / m).is_dir()}


def _parse_model(name: str, label: str, data: bytes, cache: DerivedCache | None = None) -> Model:
    """The model of a model file's bytes; ``cache``: where model files that passed their checks are kept."""
    raw = load_record(data, label, allow_empty=True)
    options = {}
    for key, value in raw.items():
        option = MODEL_OPTIONS.get(key)
        if option is None:
            raise BadContentError(
                f"unknown model option {key!r}",
                where=Where(file=label, path=key),
                hint=f"a model file may hold: {', '.join(sorted(MODEL_OPTIONS))}",
            )
        error = option.check(value)
        if error:
            raise BadContentError(f"{error}, not {value!r}", where=Where(file=label, path=key))
        options[key] = value
    for key, option in MODEL_OPTIONS.items():
        options.setdefault(key, option.default)
    schema = options["schema"]
    if schema is None:
        return Model(name=name, file=label, options=options)
    key = _checked_key(name, label, data) if cache is not None else ""
    links = _links_from_json(cache.get_many(_CHECKED_KIND, [key]).get(key)) if cache is not None else None
    if links is None:
        _compile(schema, label)  # checks the schema and its $refs: a bad one is refused on loading
        links = _find_links(schema, label)
        if cache is not None:
            cache.put_many(_CHECKED_KIND, {key: [_link_json(lf) for lf in links]})
    return Model(name=name, file=label, options=options, link_fields=tuple(links))


# Model files that passed every check, with their link fields (``_parse_model``).
_CHECKED_KIND = "model-checked/1"


def _checked_key(name: str, label: str, data: bytes) -> str:
    """What a model file's checks depend on: its bytes, name and path, pressroom, and the
    jsonschema installed (its files' stat: an upgrade rewrites them), found without importing it."""
    from importlib.util import find_spec

    from . import __version__

    spec = find_spec("jsonschema")
    origin = spec.origin if spec is not None and spec.origin else ""
    try:
        st = os.stat(origin)
        installed = f"{origin} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        installed = "none"
    h = hashlib.sha256(f"{__version__}\0{installed}\0{name}\0{label}\0".encode())
    h.update(data)
    return h.hexdigest()


def _link_json(lf: LinkField) -> list[Any]:
    steps = [["m", s.pattern, sorted(s.named), list(s.others)] if isinstance(s, MapValues) else s for s in lf.steps]
    return [steps, lf.target, lf.key, lf.typed, lf.on_publish, lf.on_unpublish, lf.on_delete]


def _links_from_json(value: object) -> list[LinkField] | None:
    """The link fields ``_link_json`` wrote; None when ``value`` is not such a list (no entry)."""
    if not isinstance(value, list):
        return None
    try:
        out = []
        for steps, target, key, typed, on_publish, on_unpublish, on_delete in value:
            decoded: list[Step] = []
            for step in steps:
                if isinstance(step, list):
                    _tag, pattern, named, others = step
                    decoded.append(MapValues(pattern=pattern, named=frozenset(named), others=tuple(others)))
                elif step is None or isinstance(step, str):
                    decoded.append(step)
                else:
                    return None
            out.append(LinkField(steps=tuple(decoded), target=target, key=key, typed=typed,
                                 on_publish=on_publish, on_unpublish=on_unpublish, on_delete=on_delete))
    except (TypeError, ValueError):
        return None
    return out


def _refuse(uri: str) -> NoReturn:
    from referencing.exceptions import NoSuchResource

    # referencing's stubs declare its attrs classes with the pre-PEP 681 __dataclass_transform__,
    # which mypy does not read, so it sees no fields (also Registry's retrieve below).
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


def _compile(schema: dict[str, Any], label: str) -> Validator:
    # jsonschema is imported here, not at the top: commands that never
    # validate (status, show, log) start faster without it.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from referencing.exceptions import Unresolvable

    digest = hashlib.sha256(json.dumps(schema, sort_keys=True, default=str).encode()).hexdigest()
    if digest in _COMPILED:
        return _COMPILED[digest]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        raise BadContentError(
            f"the schema is not valid JSON Schema 2020-12: {e.message}",
            where=Where(file=label, path=field_path(["schema", *e.absolute_path])),
            hint="see https://json-schema.org/understanding-json-schema/",
        ) from None
    registry, resource = _local_registry(schema)
    resolver = registry.resolver_with_root(resource)
    for path, ref in _refs(schema, ["schema"]):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            raise BadContentError(
                f"$ref {ref!r} does not resolve inside the model file (press never fetches schemas)",
                where=Where(file=label, path=field_path(path)),
                hint="put the definition under $defs in this file and refer to it as #/$defs/<name>",
            ) from None
    validator = Draft202012Validator(schema, registry=registry, format_checker=_format_checker())
    _COMPILED[digest] = validator
    return validator


def _format_checker() -> FormatChecker:
    from jsonschema import Draft202012Validator

    checker: FormatChecker = Draft202012Validator.FORMAT_CHECKER
    return checker


def format_names() -> list[str]:
    """The formats every compiled schema checks (those whose checker is installed here), without
    compiling any: what a schema's checks mean depends on them (``workflow.checks``)."""
    return sorted(_format_checker().checkers)


def _local_registry(schema: dict[str, Any]) -> tuple[Registry[Any], Resource[Any]]:
    """The registry of the schema (and the specifications) and the schema's resource.

    ``$ref`` resolves inside the file only; anything else is never fetched (``_refuse``).
    """
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    empty: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]  # see _refuse
    registry = empty.with_resources(SPECIFICATIONS.items()).with_resource("urn:pressroom:model", resource).crawl()
    return registry, resource


def _refs(node: Any, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                yield [*path, key], value
            else:
                yield from _refs(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, [*path, i])


_CHOICES = ("anyOf", "oneOf", "allOf", "if", "then", "else")
_FOLLOWED = "properties, items, additionalProperties, patternProperties, anyOf/oneOf/allOf, if/then/else or $ref"


def _find_links(schema: dict[str, Any], label: str) -> list[LinkField]:
    """Every link position the schema declares, following local ``$ref``.

    An ``x-link`` the walk does not reach (under ``prefixItems``, ``not``, an
    unused definition, a recursive ``$ref``...) is refused rather than left out:
    a link press did not see could take a record to the published view with
    a dangling link.
    """
    registry, resource = _local_registry(schema)
    resolver = registry.resolver_with_root(resource)
    found: dict[tuple[Step, ...], LinkField] = {}
    reached: set[int] = set()

    def walk(node: Any, steps: tuple[Step, ...], key: list[Any], seen: frozenset[str], choice: bool,
             resolver: Resolver[Any], must: str | None = None) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            resolved = resolver.lookup(ref)
            if ref in seen:
                if _has_link(resolved.contents, resolved.resolver, set()):
                    raise BadContentError(
                        f"x-link inside a recursive $ref ({ref}) is not supported",
                        where=Where(file=label, path=field_path([*key, "$ref"])),
                        hint="spell out the levels that hold links, or keep links out of the recursive part",
                    )
            else:
                walk(resolved.contents, steps, [*key, "$ref"], seen | {ref}, choice, resolved.resolver, must)
        if "x-link" in node:
            reached.add(id(node))
            # x-link on an array: clear takes out an item, so only minItems can break.
            own = ("an array with minItems" if _positive(node.get("minItems"))
                   else None if node.get("type") == "array" else must)
            lf = _link_field(node, steps, [*key, "x-link"], label, typed=choice or "type" in node, must=own)
            other = found.get(lf.steps)
            if other is not None and other.target != lf.target:
                raise BadContentError(
                    f"{lf.field} links to both {other.target} and {lf.target}",
                    where=Where(file=label, path=lf.key),
                    hint="a link field names one model; use two fields for two kinds of record",
                )
            if other is None or (lf.typed and not other.typed):
                found[lf.steps] = lf
        for name in _CHOICES:
            subs = node.get(name)
            for i, sub in (enumerate(subs) if isinstance(subs, list) else [(None, subs)]):
                walk(sub, steps, [*key, name, *([] if i is None else [i])], seen, True, resolver, must)
        properties = found_properties if isinstance(found_properties := node.get("properties"), dict) else {}
        required = found_required if isinstance(found_required := node.get("required"), list) else []
        for name, sub in properties.items():
            walk(sub, (*steps, name), [*key, "properties", name], seen, False, resolver,
                 "a required field" if name in required else None)
        patterns = found_patterns if isinstance(found_patterns := node.get("patternProperties"), dict) else {}
        for pattern, sub in patterns.items():
            walk(sub, (*steps, MapValues(pattern=pattern)), [*key, "patternProperties", pattern], seen, False,
                 resolver)
        if isinstance(node.get("additionalProperties"), dict):
            rest = MapValues(named=frozenset(properties), others=tuple(patterns))
            walk(node["additionalProperties"], (*steps, rest), [*key, "additionalProperties"], seen, False, resolver)
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*steps, ITEMS), [*key, "items"], seen, False, resolver,
                 "an array with minItems" if _positive(node.get("minItems")) else None)

    walk(schema, (), ["schema"], frozenset(), False, resolver)
    for path, node in _link_nodes(schema, ["schema"]):
        if id(node) not in reached:
            raise BadContentError(
                "press does not follow this x-link, so it would not check these links",
                where=Where(file=label, path=field_path([*path, "x-link"])),
                hint=f"declare links under {_FOLLOWED}; remove x-link from unused definitions",
            )
    return list(found.values())


def _has_link(node: Any, resolver: Resolver[Any], visited: set[int]) -> bool:
    """Whether ``node`` or anything it refers to declares an ``x-link``."""
    if isinstance(node, list):
        return any(_has_link(v, resolver, visited) for v in node)
    if not isinstance(node, dict) or id(node) in visited:
        return False
    visited.add(id(node))
    if "x-link" in node:
        return True
    if isinstance(node.get("$ref"), str):
        resolved = resolver.lookup(node["$ref"])
        if _has_link(resolved.contents, resolved.resolver, visited):
            return True
    return any(_has_link(v, resolver, visited) for k, v in node.items() if k != "$ref")


def _link_nodes(node: Any, path: list[Any]) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    if isinstance(node, dict):
        if "x-link" in node:
            yield path, node
        for key, value in node.items():
            yield from _link_nodes(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _link_nodes(value, [*path, i])


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# The strategies each key of x-link's mapping form takes; the first is the default.
STRATEGIES: dict[str, tuple[str, ...]] = {
    "on_publish": ("refuse", "publish"),
    "on_unpublish": ("refuse", "unpublish", "clear"),
    "on_delete": ("refuse", "unpublish", "clear"),
}


def _strategies(spec: dict[Any, Any], where: Where, must: str | None) -> tuple[Any, dict[str, str]]:
    """The mapping form ``{model, on_publish, on_unpublish, on_delete}``: its model and strategies."""
    unknown = sorted(str(k) for k in spec if k != "model" and k not in STRATEGIES)
    if unknown:
        raise BadContentError(f"x-link has no key {unknown[0]!r}", where=where,
                              hint=f"keys: model, {', '.join(STRATEGIES)}")
    chosen: dict[str, str] = {}
    for name, allowed in STRATEGIES.items():
        value = spec.get(name, allowed[0])
        if value not in allowed:
            raise BadContentError(f"x-link {name} must be one of {', '.join(allowed)}, not {value!r}",
                                  where=where, hint=f"e.g. {name}: {allowed[1]}")
        if value == "clear" and must is not None:
            raise BadContentError(
                f"x-link {name}: clear would remove the link from {must}, and break the schema",
                where=where, hint=f"use {name}: refuse or {name}: unpublish, or make the field optional")
        chosen[name] = value
    return spec.get("model"), chosen


def _link_field(node: dict[str, Any], steps: tuple[Step, ...], key: list[Any], label: str, *,
                typed: bool, must: str | None = None) -> LinkField:
    target = node["x-link"]
    where = Where(file=label, path=field_path(key))
    chosen: dict[str, str] = {}
    if isinstance(target, dict):
        target, chosen = _strategies(target, where, must)
    if not isinstance(target, str) or not MODEL_RE.match(target):
        raise BadContentError(f"x-link must name a model, not {target!r}", where=where,
                              hint="e.g. author: {type: string, x-link: author}, or "
                                   "{type: string, x-link: {model: author, on_publish: publish}}")
    kind = node.get("type")
    if kind not in (None, "string", "array"):
        raise BadContentError(
            f"x-link goes on a string (a record id) or an array of them, not on type {kind!r}",
            where=where, hint="e.g. tags: {type: array, items: {type: string, x-link: tag}}",
        )
    if not steps:
        raise BadContentError("x-link goes on a property, not on the whole record", where=where)
    return LinkField(steps=steps, target=target, key=where.path or "", typed=typed, **chosen)
