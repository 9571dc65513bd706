"""A quick yes-or-no check of data against a JSON Schema, for the common keywords.

jsonschema's ``iter_errors`` walks a schema through generators, evolving a
validator at each step: about 0.5 ms for a 2 KB record, more than parsing
it. A bulk save validates every record, and nearly all of them are valid.
``quick_check`` compiles a schema once into plain Python closures that only
answer "valid?"; the caller asks jsonschema for the errors only when the
answer is no, so every message stays jsonschema's own.

The closures follow jsonschema's keyword functions (``jsonschema._keywords``)
one by one, and ask the validator itself for types (``is_type``) and formats
(its format checker), so the answer is jsonschema's answer. A schema that
uses any keyword jsonschema acts on and this module does not know (``$ref``,
``if``, ``unevaluatedProperties``, ``uniqueItems``, ``multipleOf``...) gets no
quick check at all (None): the caller then validates with jsonschema alone.
Keywords jsonschema ignores (``title``, ``x-link``...) are ignored here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.protocols import Validator

Check = Callable[[Any], bool]


class _Unsupported(Exception):
    """The schema uses a keyword this module does not check."""


def quick_check(validator: Validator) -> Check | None:
    """A function telling whether data is valid against ``validator``'s schema (the same
    answer as ``validator.is_valid``), or None when the schema uses a keyword it does not know."""
    try:
        return _Compiler(validator).compile(validator.schema)
    except _Unsupported:
        return None


def _true(_instance: Any) -> bool:
    return True


def _false(_instance: Any) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _true
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


class _Compiler:
    def __init__(self, validator: Validator) -> None:
        self.acted_on = set(validator.VALIDATORS)
        self.is_type = validator.is_type
        # Not in the Validator protocol, but on every validator class jsonschema makes.
        self.format_checker: FormatChecker | None = getattr(validator, "format_checker", None)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _true
        if schema is False:
            return _false
        if not isinstance(schema, Mapping):
            raise _Unsupported
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword not in self.acted_on:
                continue  # an annotation: jsonschema does not act on it either
            build = _KEYWORDS.get(keyword)
            if build is None:
                raise _Unsupported
            check = build(self, value, schema)
            if check is not None:
                checks.append(check)
        return _all(checks)

    # One builder per keyword, as jsonschema._keywords has them.

    def type_(self, types: Any, _schema: Mapping[str, Any]) -> Check:
        names = [types] if isinstance(types, str) else list(types)
        is_type = self.is_type
        if len(names) == 1:
            name = names[0]
            return lambda instance: is_type(instance, name)
        return lambda instance: any(is_type(instance, name) for name in names)

    def properties(self, properties: Mapping[str, Any], _schema: Mapping[str, Any]) -> Check:
        subs = [(name, self.compile(sub)) for name, sub in properties.items()]
        is_type = self.is_type

        def check(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            for name, sub in subs:
                if name in instance and not sub(instance[name]):
                    return False
            return True
        return check

    def pattern_properties(self, patterns: Mapping[str, Any], _schema: Mapping[str, Any]) -> Check:
        subs = [(pattern, self.compile(sub)) for pattern, sub in patterns.items()]
        is_type = self.is_type

        def check(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            return all(sub(v) for pattern, sub in subs for k, v in instance.items() if re.search(pattern, k))
        return check

    def additional_properties(self, extra: Any, schema: Mapping[str, Any]) -> Check | None:
        known = schema.get("properties", {})
        patterns = "|".join(schema.get("patternProperties", {}))
        is_type = self.is_type

        def extras(instance: Any) -> list[Any]:
            return [p for p in instance if p not in known and not (patterns and re.search(patterns, p))]

        if is_type(extra, "object"):
            sub = self.compile(extra)
            return lambda instance: not is_type(instance, "object") or all(sub(instance[p]) for p in extras(instance))
        if extra:
            return None
        return lambda instance: not is_type(instance, "object") or not extras(instance)

    def property_names(self, names: Any, _schema: Mapping[str, Any]) -> Check:
        sub = self.compile(names)
        is_type = self.is_type
        return lambda instance: not is_type(instance, "object") or all(sub(p) for p in instance)

    def required(self, required: list[str], _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "object") or all(p in instance for p in required)

    def min_properties(self, least: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "object") and len(instance) < least)

    def max_properties(self, most: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "object") and len(instance) > most)

    def items(self, items: Any, schema: Mapping[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise _Unsupported
        sub = self.compile(items)
        is_type = self.is_type
        return lambda instance: not is_type(instance, "array") or all(sub(item) for item in instance)

    def min_items(self, least: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "array") and len(instance) < least)

    def max_items(self, most: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "array") and len(instance) > most)

    def min_length(self, least: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "string") and len(instance) < least)

    def max_length(self, most: int, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "string") and len(instance) > most)

    def pattern(self, pattern: str, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "string") or re.search(pattern, instance) is not None

    def format(self, name: str, _schema: Mapping[str, Any]) -> Check | None:
        checker = self.format_checker
        if checker is None:
            return None
        return lambda instance: checker.conforms(instance, name)

    def minimum(self, bound: Any, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "number") or not instance < bound

    def maximum(self, bound: Any, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "number") or not instance > bound

    def exclusive_minimum(self, bound: Any, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "number") or not instance <= bound

    def exclusive_maximum(self, bound: Any, _schema: Mapping[str, Any]) -> Check:
        is_type = self.is_type
        return lambda instance: not is_type(instance, "number") or not instance >= bound

    def enum(self, members: list[Any], _schema: Mapping[str, Any]) -> Check:
        # jsonschema's equal() compares with == as soon as one side is text; other
        # members (numbers against booleans, nested lists) are left to jsonschema.
        if not all(isinstance(m, str) for m in members):
            raise _Unsupported
        texts = frozenset(members)
        return lambda instance: isinstance(instance, str) and instance in texts

    def const(self, value: Any, _schema: Mapping[str, Any]) -> Check:
        if not isinstance(value, str):
            raise _Unsupported
        return lambda instance: isinstance(instance, str) and instance == value

    def all_of(self, schemas: list[Any], _schema: Mapping[str, Any]) -> Check:
        return _all([self.compile(s) for s in schemas])

    def any_of(self, schemas: list[Any], _schema: Mapping[str, Any]) -> Check:
        subs = [self.compile(s) for s in schemas]
        return lambda instance: any(sub(instance) for sub in subs)

    def one_of(self, schemas: list[Any], _schema: Mapping[str, Any]) -> Check:
        subs = [self.compile(s) for s in schemas]
        return lambda instance: sum(1 for sub in subs if sub(instance)) == 1

    def not_(self, schema: Any, _schema: Mapping[str, Any]) -> Check:
        sub = self.compile(schema)
        return lambda instance: not sub(instance)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, Mapping[str, Any]], Check | None]] = {
    "type": _Compiler.type_,
    "properties": _Compiler.properties,
    "patternProperties": _Compiler.pattern_properties,
    "additionalProperties": _Compiler.additional_properties,
    "propertyNames": _Compiler.property_names,
    "required": _Compiler.required,
    "minProperties": _Compiler.min_properties,
    "maxProperties": _Compiler.max_properties,
    "items": _Compiler.items,
    "minItems": _Compiler.min_items,
    "maxItems": _Compiler.max_items,
    "minLength": _Compiler.min_length,
    "maxLength": _Compiler.max_length,
    "pattern": _Compiler.pattern,
    "format": _Compiler.format,
    "minimum": _Compiler.minimum,
    "maximum": _Compiler.maximum,
    "exclusiveMinimum": _Compiler.exclusive_minimum,
    "exclusiveMaximum": _Compiler.exclusive_maximum,
    "enum": _Compiler.enum,
    "const": _Compiler.const,
    "allOf": _Compiler.all_of,
    "anyOf": _Compiler.any_of,
    "oneOf": _Compiler.one_of,
    "not": _Compiler.not_,
}
