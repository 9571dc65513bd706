"""Review stages: ``press stage REF STAGE``, and publishing gated on a stage.

A model may declare its stages in order, and the stage publishing needs::

    stages: [draft, in_review, ready]
    publish_requires: ready

A stage belongs to a version, not to a record: ``press stage`` logs a
``stage`` event naming the current version. A record's stage is the stage of
its current version, so a new save (a new version) is back at the first
stage without anything being written: what was reviewed is exactly what is
marked. ``publish_requires: S`` refuses to publish a version whose stage is
before S in the list (S or any later stage passes), including records a
cascade would take along.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .. import __version__
from ..errors import BadContentError, NotFoundError, PressError, Problem, UsageError, Where
from ..models import MODEL_OPTIONS, Model
from ..outcome import Outcome
from ..records import MODEL_RE, RecordKey, check_inside, load_record, parse_ref, read_limited
from ..site import CONFIG_MAX_SIZE, SiteCore
from .common import event, now_iso
from .plan import Action, Plan, RefKind, StoreReader, execute, key_of


@dataclass(frozen=True)
class Stages:
    """A model's stages in order and the stage publishing requires (None: any)."""

    model: str
    names: tuple[str, ...]
    requires: str | None = None

    @property
    def first(self) -> str:
        return self.names[0]

    def rank(self, stage: str) -> int:
        return self.names.index(stage)


def stages_of(model: Model) -> Stages | None:
    """The stages a model declares, checked against each other; None when it has none."""
    return _checked(model.name, model.file, model.options.get("stages") or [], model.options.get("publish_requires"),
                    model.draft_published)


def _checked(name: str, file: str | None, names: list[str], requires: str | None,
             draft_published: bool) -> Stages | None:
    if requires is not None and requires not in names:
        raise BadContentError(
            f"publish_requires names the stage {requires!r}, which is not in stages",
            where=Where(file=file, path="publish_requires"),
            hint=f"use one of: {', '.join(names)}" if names else "declare stages: [draft, in_review, ready] first",
        )
    if requires is not None and not draft_published:
        raise BadContentError(
            "publish_requires needs drafts, but this model publishes every save (draft_published: false)",
            where=Where(file=file, path="publish_requires"),
            hint="remove publish_requires, or set draft_published: true",
        )
    return Stages(name, tuple(names), requires) if names else None


def declared_stages(site: SiteCore) -> dict[str, Stages]:
    """Stages of every model that declares them, reading only those two options.

    ``press status`` uses this, so that showing stages never compiles a schema.
    """
    folder = site.models_dir
    out: dict[str, Stages] = {}
    if not folder.is_dir():
        return out
    for entry in sorted(os.listdir(folder)):
        name, ext = os.path.splitext(entry)
        if ext != ".yaml" or not MODEL_RE.match(name):
            continue
        path = folder / entry
        label = site.rel(path)
        check_inside(site.root, path)
        data = read_limited(path, CONFIG_MAX_SIZE, label=label)
        key = (label, hashlib.sha256(data).hexdigest())
        if key not in _DECLARED:
            options = _declared_options(site, label, key[1], data)
            _DECLARED[key] = _checked(name, label, options["stages"], options["publish_requires"],
                                      options["draft_published"])
        declared = _DECLARED[key]
        if declared is not None:
            out[name] = declared
    return out


_DECLARED: dict[tuple[str, str], Stages | None] = {}
_OPTIONS = ("stages", "publish_requires", "draft_published")
# The derived cache's kind for a model file's stage options, keyed by pressroom's version, path and sha256.
_OPTIONS_KIND = "stage-options"


def _declared_options(site: SiteCore, label: str, digest: str, data: bytes) -> dict[str, Any]:
    """The stage options of the model file ``label`` (bytes ``data``), checked.

    Remembered in the derived cache once they pass: a later ``status`` reads them
    there instead of parsing the file (which loads the YAML parser). An entry of
    the wrong shape, or one the checks refuse, is parsed again.
    """
    cache_key = f"{__version__}:{label}:{digest}"
    cached = site.store.cache.get_many(_OPTIONS_KIND, [cache_key]).get(cache_key)
    # As parsing found them: each value its option's default (left out of the file) or one its check passes.
    if isinstance(cached, dict) and sorted(cached) == sorted(_OPTIONS) and all(
            cached[option] == MODEL_OPTIONS[option].default or not MODEL_OPTIONS[option].check(cached[option])
            for option in _OPTIONS):
        return cached
    raw = load_record(data, label, allow_empty=True)
    options = {}
    for option in _OPTIONS:
        value = raw.get(option, MODEL_OPTIONS[option].default)
        error = MODEL_OPTIONS[option].check(value) if option in raw else None
        if error:
            raise BadContentError(f"{error}, not {value!r}", where=Where(file=label, path=option))
        options[option] = value
    site.store.cache.put_many(_OPTIONS_KIND, {cache_key: options})
    return options


def stage_of_version(events: Iterable[Mapping[str, Any]], version: str | None, stages: Stages) -> str:
    """The latest stage recorded for ``version``; the first stage when none was (or it was renamed away).

    Latest by time, then by place in the log: a git merge joins two branches'
    logs line by line (union), so the other branch's lines come last whatever
    their time, and a later "sent back to in_review" must not lose to them.
    """
    found, latest = stages.first, ("", -1)
    for i, ev in enumerate(events):
        if ev.get("action") == "stage" and ev.get("new") == version and ev.get("stage") in stages.names:
            when = (str(ev.get("time") or ""), i)
            if when >= latest:
                found, latest = ev["stage"], when
    return found


# press stage


@dataclass(frozen=True)
class StageResult(Outcome):
    """What ``press stage`` recorded: the record's version and its stage before and after."""

    record: str
    version: str
    stage: str
    previous: str
    stages: list[str]
    changed: bool
    txn: str | None = None


def set_stage(site: SiteCore, ref: str, stage: str, *, models: Mapping[str, Model], author: str,
              message: str = "") -> StageResult:
    """Record that the current version of ``ref`` is at ``stage`` (an event with author and time)."""
    key, spec = parse_ref(ref)
    record = str(key)
    if spec is not None:
        raise UsageError("a stage is recorded for the current version only",
                         hint=f"Site.stage('{key}', '{stage}')", cause="stage.version_named",
                         data={"record": str(key), "stage": stage})
    model = models.get(key.model) or Model.implicit(key.model)
    stages = stages_of(model)
    if stages is None:
        raise UsageError(f"model {key.model!r} has no review stages",
                         where=Where(file=model.file or f"models/{key.model}.yaml", path="stages"),
                         hint="declare them in the model file, e.g. stages: [draft, in_review, ready]")
    if stage not in stages.names:
        raise UsageError(f"{stage!r} is not a stage of {key.model}",
                         hint=f"the stages of {key.model}: {', '.join(stages.names)}")
    current = site.store.record_refs(record)["current"]
    if current is None:
        raise NotFoundError("has no current version (never saved, or deleted)",
                            where=Where(record=record), hint="save it first (Site.save)",
                            cause="save_first", data={"record": record})
    previous = stage_of_version(site.store.read_log(record), current, stages)
    base = StageResult(record=record, version=current, stage=stage, previous=previous, stages=list(stages.names),
                       changed=previous != stage)
    if not base.changed:
        return base
    txn = execute(site.store, plan_stage(key, current, previous, stage, author=author, time=now_iso(),
                                         message=message))
    return replace(base, txn=txn)


def plan_stage(key: RecordKey, current: str, previous: str, stage: str, *, author: str, time: str,
               message: str = "") -> Plan:
    """A ``stage`` event on version ``current`` of ``key``, guarded on that version."""
    plan = Plan(Action.STAGE)
    text = f"{previous} -> {stage}" + (f": {message}" if message else "")
    plan.log(key, event(Action.STAGE.value, author=author, time=time, old=current, new=current, message=text,
                        stage=stage, previous=previous))
    # The stage is of the version the user looked at: a save meanwhile is a conflict.
    plan.guard(RefKind.CURRENT, key, current)
    return plan


# the publish gate, and publish --stage


def publish_stage_problems(store: StoreReader, models: Mapping[str, Model],
                           plan: Mapping[str, str]) -> list[Problem]:
    """A problem for each planned ``{record: version}`` whose model requires a stage it has not reached."""
    problems = []
    for record, version in sorted(plan.items()):
        key = key_of(record)
        model = models.get(key.model)
        stages = stages_of(model) if model is not None else None
        if stages is None or stages.requires is None:
            continue
        stage = stage_of_version(store.read_log(record), version, stages)
        if stages.rank(stage) < stages.rank(stages.requires):
            problems.append(Problem(
                f"is at stage {stage}; publishing {key.model} needs {stages.requires}",
                code="stage", where=Where(record=record),
                hint=f"review it, then: Site.stage('{record}', '{stages.requires}')",
                cause="stage.required", data={"record": record, "stage": stages.requires}))
    return problems


def records_at_stage(site: SiteCore, models: Mapping[str, Model], stage: str,
                     model: str | None = None) -> list[str]:
    """``record@version`` for each record whose current version is at ``stage`` and not yet published."""
    staged = {name: s for name, m in models.items() if (s := stages_of(m)) is not None
              and (model is None or name == model)}
    if model is not None and model not in staged:
        raise UsageError(f"model {model!r} has no review stages",
                         hint="declare them in the model file, e.g. stages: [draft, in_review, ready]")
    if not any(stage in s.names for s in staged.values()):
        known = sorted({n for s in staged.values() for n in s.names})
        raise UsageError(f"no model has a stage {stage!r}",
                         hint=f"stages: {', '.join(known)}" if known else "no model declares stages")
    snap = site.store.snapshot()
    out = []
    for record, current in sorted(snap.current.items()):
        stages = staged.get(key_of(record).model)
        if stages is None or stage not in stages.names or snap.published.get(record) == current:
            continue
        if record in snap.archived:
            continue  # withdrawn on purpose: only naming it brings it back
        if stage_of_version(site.store.read_log(record), current, stages) == stage:
            out.append(f"{record}@{current}")
    return out


def stage_view(site: SiteCore) -> tuple[dict[str, Stages], Problem | None]:
    """Stages for ``press status``: a bad model file is a warning there, not a failure."""
    try:
        return declared_stages(site), None
    except PressError as e:
        return {}, e.problems[0]

