"""The CLI's wording of the core's errors: flags and ``press ...`` commands.

The core says what a Python caller understands (a parameter, a ``Site``
method); an error or problem carries a ``cause`` and ``data`` for the CLI to
say the same in its own terms (see ``pressroom.errors``). Each cause maps here
to templates over that data; a cause not listed keeps the core's text. Every
place the CLI prints or reports a problem goes through ``word`` (via
``pressroom.cli.output``), so the terms of the command line live in this one
module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PressError, Problem, Where
from ..api import SET_VALUE

if TYPE_CHECKING:
    from ..api import Violation


@dataclass(frozen=True)
class Wording:
    """The CLI's message and hint for one cause: ``str.format`` templates over
    the problem's data; ``None`` keeps the core's own text."""

    message: str | None = None
    hint: str | None = None


# Sorted by cause; a shared cause (no module prefix) is used by several modules.
WORDING: dict[str, Wording] = {
    "audit.history_unreadable": Wording(hint="run `press fsck`"),
    "audit.min_length": Wording(message="--min-length must be 1 or more, not {value}"),
    "commit.no_work_tree": Wording(message="--commit needs a git work tree, and {root} is not in one", hint="run `git init` there, or drop --commit (and git.commit in pressroom.yaml)"),
    "commit.no_work_tree_now": Wording(message="--commit needs a git work tree, and {root} is not in one"),
    "commit.unsaved_edits": Wording(hint="`press save {record} --commit` commits the edits; `press diff {record}` shows them"),
    "conflict.unresolved": Wording(hint="press resolve {record} --ours | --theirs | --version V"),
    "conflict.unresolved_many": Wording(hint="pick a side for each: press resolve {record} --ours | --theirs | --version V (press status lists them)"),
    "delivery.as_of_preview": Wording(message="--as-of reads the published view as it was; a preview has no past"),
    "export.as_of_preview": Wording(message="--as-of exports the published view as it was; --preview has no past"),
    "export.body_in_front_matter": Wording(message="--body-in-front-matter is for --format markdown"),
    "export.edited": Wording(message="was edited since press export wrote it; not overwritten", hint="keep your changes elsewhere (or in the site's records), then export again; or export --force to overwrite them"),
    "export.foreign_manifest": Wording(message="was not written by press export", hint="export into an empty folder, or one a previous press export wrote"),
    "export.index_clash": Wording(hint="export with --format yaml or markdown, whose record files cannot clash with index.json"),
    "export.meta_field": Wording(hint="rename the field, or export with --format json or yaml, which keep fields under 'data'"),
    "export.nan": Wording(hint="run `press validate {record}` to find the field, or export with --format yaml"),
    "export.not_ours": Wording(message="exists and was not written by press export; it is left alone"),
    "export.out_holds_site": Wording(message="--out {out} holds the site, with its working files (content/, drafts included)", hint="export to a folder of its own beside content/, e.g. --out _export (or outside the site)"),
    "export.out_inside_site": Wording(message="--out {out} is inside the site's {inside}/, which export must not write into", hint="export to a folder of its own beside content/, e.g. --out _export (or outside the site)"),
    "export.out_is_site": Wording(message="--out {out} is the site's own folder", hint="export to a folder of its own beside content/, e.g. --out _export (or outside the site)"),
    "export.out_not_folder": Wording(message="--out {out} is not a folder"),
    "export.release_with": Wording(message="--release previews the published view of one release: no --preview or --as-of with it"),
    "fsck.checked_out_crlf": Wording(hint=(
        "nothing is lost: the repository holds the right bytes, git converted them when it checked them out "
        "(core.autocrlf, or a text attribute, with no pressroom attributes to stop it). Repair, in the site's "
        "folder: (1) commit or stash what `git status` lists as changed there; (2) `press git setup` (writes "
        ".gitattributes and .press/.gitattributes); (3) `git rm -r -q --cached -- {paths} && git checkout HEAD -- "
        "{paths}`; (4) commit .gitattributes and .press/.gitattributes, so that no other clone converts them")),
    "fsck.committed_lf": Wording(hint=(
        "the repository holds this object with LF where press wrote CRLF (a text or text=auto attribute "
        "converted it when it was committed). On the machine that saved it, whose .press/ still holds the "
        "right bytes: `press git setup`, then `git add --renormalize .press && git commit`, then pull here. "
        "With no such machine, turn its LF back into CRLF (`perl -pi -e 's/\\n/\\r\\n/' {file}`) "
        "and commit it")),
    "fsck.journal_left": Wording(hint="run any press command that reads the store (e.g. `press status`, or `press journal finish`): it finishes the transaction; then run `press fsck` again"),
    "fsck.journal_missing": Wording(hint="drop it with `press journal drop` (refs keep their present values)"),
    "fsck.journal_moved": Wording(hint="`press journal show` lists them; check out again the commit it was made on to finish it, or run `press journal drop`"),
    "fsck.journal_unreadable": Wording(hint="inspect it, then drop it with `press journal drop` (refs keep their present values)"),
    "fsck.ref_name": Wording(hint="remove it: no press command writes such a name"),
    "fsck.temp_file": Wording(hint="harmless; `press gc` removes it (or delete it by hand)"),
    "gc.damaged": Wording(hint="run `press fsck`; gc removes nothing from a damaged store"),
    "get.no_current": Wording(hint="it has never been saved, or was deleted: press status {record}"),
    "get.not_published": Wording(hint="it is not published; see press status {record}"),
    "git.attributes_not_utf8": Wording(hint="fix or remove it, then run `press git setup` again"),
    "git.hook_taken": Wording(hint="decide which to keep: merge them into {chained} and delete {hook}, then run `press git setup` again"),
    "history.broken": Wording(hint="the versions above are intact; run `press fsck` for the whole list of damage, "
                                   "and restore .press/ from git (`git checkout -- .press`)"),
    "history.diff_three": Wording(hint="e.g. press diff {record} @~1 @current"),
    "history.limit": Wording(message="--limit must be 1 or more"),
    "history.feed_options_with_record": Wording(message="--site, --since and --until are for the site's feed: name no record"),
    "history.patch_without_record": Wording(message="--patch needs a record", hint="e.g. press log post/x --patch"),
    "history.published_with_versions": Wording(
        message="--published compares published with current; name no versions with it"),
    "hooks.failed": Wording(hint="the content change was made and stays; fix the hook and run it by hand, or use --no-hooks{more}"),
    "journal.conflict": Wording(hint="to finish it, check out again the commit it was made on (any press command then finishes it); to drop it, run `press journal drop` (the refs keep their present values; a copy of the journal is kept); `press journal show` lists what it would change"),
    "journal.objects_missing": Wording(hint="it cannot be finished: drop it with `press journal drop` (refs keep their present values)"),
    "journal.pending": Wording(hint="`press journal show` says what it holds; `press journal finish` finishes it, "
                                    "`press journal drop` sets it aside"),
    "journal.unreadable": Wording(hint="the journal is written whole before it is renamed into place, so this is outside damage; inspect it, then drop it with `press journal drop` (refs keep their present values)"),
    "naming.fewer_versions": Wording(hint="see them with: press log {record}"),
    "naming.no_such_record": Wording(hint="to make it: write {file}, then press save {record}"),
    "naming.no_such_version": Wording(hint="see its versions with: press log {record}"),
    "naming.path_as_version": Wording(hint="the shell expanded ~N to a folder: write @~N or current~N (e.g. --to @~1)"),
    "new.exists": Wording(hint="edit it and save it: press save {record}"),
    "new.generator_clash": Wording(hint="choose another id, e.g. press new {model} {id}"),
    "new.saved_without_file": Wording(hint="get its content back with: press show {record} > {file}"),
    "objects.crlf": Wording(hint="run `press fsck`: it gives the git commands that restore the bytes"),
    "objects.damaged": Wording(hint="run `press fsck`; restore the file from git (`git checkout -- .press`)"),
    "objects.missing": Wording(hint="run `press fsck`; restore .press/objects from git (`git checkout -- .press`)"),
    "publish.stage_with_records": Wording(message="--stage selects the records: do not name records or add --all"),
    "publish_first": Wording(hint="publish it first: press publish {record}"),
    "publishing.delete_named_only": Wording(message="delete takes named records only (no --cascade, --model or --all)"),
    "publishing.depth": Wording(message="--depth must be 1 or more"),
    "publishing.link_archived": Wording(hint="it was archived: name it to publish it again (press publish {record} {target})"),
    "publishing.link_beyond_depth": Wording(hint="raise --depth, or name it: press publish {record} {target}"),
    "publishing.link_unpublished": Wording(hint="publish it in the same command (press publish {record} {target}), or add --cascade"),
    "publishing.no_drafts": Wording(hint="archive it (press archive {record}) or delete it instead"),
    "publishing.referrer": Wording(hint="name it in the same command: press {action} {target} {record}"),
    "publishing.referrer_without_drafts": Wording(
        hint="{record} cannot be a draft (its model publishes every save): archive it first "
             "(press archive {record}), or remove the link from its field {path} and save it"),
    "records.empty_field_path": Wording(hint="e.g. --set title=Hello"),
    "records.no_edit": Wording(message="--set cannot edit it in place: {why}; the file is left as it was", hint="edit the file by hand, or give the whole content with press save -f FILE"),
    "refs.not_an_id": Wording(hint="run `press fsck`; restore the ref from git (`git checkout -- .press/refs`)"),
    "ref.not_a_working_file": Wording(hint="name a file content/<model>/<id>.yaml of the site (a path is read "
                                           "against -C DIR when given), or the record as model/id"),
    "resolve.bad_state": Wording(hint="take the other side (then publish or archive again if that is what should stay), or --version V"),
    "resolve.no_conflict": Wording(hint="press status lists the records in conflict"),
    "resolve.not_an_id": Wording(message="--version {version} is not a version id"),
    "resolve.pick_one": Wording(message="pick exactly one: --ours, --theirs or --version V"),
    "revert.no_to": Wording(message="--to names the version to go back to", hint="e.g. press revert {record} --to published"),
    "revert.nothing_to_do": Wording(hint="see the versions with: press log {record}"),
    "revert.undelete_over_file": Wording(hint="save it as the record instead (press save {record}), or pass --force to drop it"),
    "revert.version_in_ref": Wording(message="name the version to go back to with --to, not with @",
                                      hint="press revert {record} --to @{spec}"),
    "save.concurrent_save": Wording(hint="look at `press status` and run the command again"),
    "save.content_of_one": Wording(message="-f/--file takes the content of exactly one record"),
    "save.content_over_unsaved": Wording(message="has unsaved changes that -f would overwrite",
                                      hint="save them first (press save {record}), or pass --force to drop them"),
    "save.generator_clash": Wording(hint="choose another id: rename the file to {file}, then press save {record}"),
    "save.working_changed": Wording(hint="run press save {record} again"),
    "save.no_working_file": Wording(hint="create the file, or take content from elsewhere with press save {record} -f FILE"),
    "save.stale_working_file": Wording(
        message="not saved: the working file holds older version {older} (saved {saved}), not current {current}; "
                "a stale checkout (git checkout, a clone) is not an edit",
        hint="to go back to it: press revert {record} --to {version}; to keep current, restore "
             "the file (git checkout, or press show {record} > FILE); `press save {record}` saves it as an edit"),
    "resolve.pick_side": Wording(message="pick one side: --ours, --theirs or --version V"),
    "resolve.strategy_in_conflict": Wording(hint="resolve it first: press resolve {record} --ours | --theirs | --version V"),
    "resolve.unclosed_both": Wording(hint="take the other side, or unpublish its referrers first (press unpublish {referrers}), or publish what it links to first (press publish {targets} --cascade)"),
    "resolve.unclosed_referrers": Wording(hint="take the other side, or unpublish its referrers first (press unpublish {referrers})"),
    "resolve.unclosed_targets": Wording(hint="take the other side, or publish what it links to first (press publish {targets} --cascade)"),
    "resolve.version_id": Wording(message="--version takes a version id (7+ characters)"),
    "resolve.version_in_ref": Wording(message="name the record alone; give the version with --version", hint="press resolve {record} ..."),
    "save_first": Wording(hint="save it first: press save {record}"),
    "release.at_dry_run": Wording(message="--at schedules the release; --dry-run plans it now: pick one"),
    "release.bad_action": Wording(hint="publish (the default), --unpublish or --archive"),
    "release.bad_name": Wording(),
    "release.bad_pin": Wording(hint="pin it again: press release add {name} {record}"),
    "release.bad_version": Wording(hint="restore .press/ from git (`git checkout -- .press`), or take it out: press release remove {release} {record}"),
    "release.damaged": Wording(hint="if a git merge left markers in it, keep one side's text; else restore it from git (`git checkout -- .press`)"),
    "release.empty": Wording(hint="add records first: press release add {name} REF..."),
    "release.exists": Wording(hint="pick another name, or see it: press release show {name}"),
    "release.late_entry": Wording(hint="publish it (press publish {record}), or put it in a new release: press release create NAME"),
    "release.link": Wording(hint="add it to the release: press release add {name} {target}"),
    "release.moved_twice": Wording(hint="keep one of them: press release remove {name} REF"),
    "release.no_records": Wording(),
    "release.no_such_release": Wording(hint="see the releases with: press release list"),
    "release.not_in_release": Wording(hint="see what it holds: press release show {name}"),
    "release.published": Wording(hint="make a new release: press release create NAME"),
    "release.publishes_referrer": Wording(hint="take one of the two out: press release remove {name} {record} (or {target})"),
    "release.record_gone": Wording(hint="take it out: press release remove {name} {record}"),
    "release.referrer": Wording(hint="add it to the release too: press release add {name} --{action} {record}"),
    "release.remove_version": Wording(hint="name it as {record}"),
    "release.scheduled": Wording(hint="cancel it first: press schedule cancel {id}"),
    "release.version_named": Wording(hint="name it as {record}"),
    "schedule.bad_id": Wording(hint="see the ids with: press schedule list"),
    "schedule.bad_version": Wording(hint="restore .press/ from git (`git checkout -- .press`), or cancel it: press schedule cancel {id}"),
    "schedule.duplicate_run": Wording(
        message="schedule {schedule} ({action} at {at}) was carried out {times} times "
                "(transactions {txns}): two clones each ran `press schedule run` and git merged both, so its "
                "hooks (a deploy) ran once per run",
        hint="check what the extra runs' hooks did, then: press schedule ack {schedule}"),
    "schedule.finished": Wording(hint="see it with: press schedule list --all"),
    "schedule.latest_not_publish": Wording(message="--latest is for scheduled publishes"),
    "schedule.no_such_id": Wording(hint="see the ids with: press schedule list --all"),
    "schedule.nothing_to_acknowledge": Wording(hint="press fsck lists the schedules carried out more than once"),
    "schedule.version_named": Wording(hint="save the version you want first, then: press schedule {action} {record} --at ..."),
    "select.both": Wording(message="name records, or use --all / --model, not both"),
    "select.none": Wording(message="name at least one record (model/id), or use --all or --model M"),
    "serve.bad_host": Wording(message="--host {host!r} is not an address: {why}", hint="e.g. --host 127.0.0.1"),
    "serve.port_taken": Wording(hint="another server holds the port? choose one with --port"),
    "site.env_not_site": Wording(hint="point PRESSROOM_DIR at a site, or run `press init` there"),
    "site.no_store": Wording(hint="run `press init` there to create the store (it changes nothing else)"),
    "site.not_inside": Wording(hint="run `press init` to make one, or use `press -C DIR` / PRESSROOM_DIR"),
    "site.path_is_config": Wording(hint="use its folder: press -C {folder}"),
    "site.path_missing": Wording(hint="check the path given to -C, or make a site there: press init {path}"),
    "site.path_not_site": Wording(hint="run `press -C {path} init` to make one"),
    "unsaved_changes": Wording(hint="save them first (press save {record}), or pass --force to drop them"),
    "stage.required": Wording(hint="review it, then: press stage {record} {stage}"),
    "stage.version_named": Wording(hint="press stage {record} {stage}"),
    "store.no_format": Wording(hint="restore .press/ from git, or run `press init` in a new site"),
    "store.stale_refs": Wording(hint="look at `press status` and run the command again"),
    "store.unfinished": Wording(hint="free space (or fix the cause), then run `press journal finish` or any press command: it finishes the change; do not make it again"),
    "validate.missing": Wording(hint="write {file} and save it, or see press status"),
    "validate.publishes_draft_link": Wording(hint="publish {target} first: press publish {target}"),
    "validate.reserved_id": Wording(hint="rename it (there is no rename command): copy {old_file} to {new_file} (or any free id) and "
                "press save {new}; make every link to {record} name {new_id} and save those records; if {record} "
                "was published, press publish {new} and them; then press delete {record}"),
    "validate.unpublished_link": Wording(hint="publish it (press publish {target}), or unpublish {record}"),
    "versions.not_a_version": Wording(hint="a ref or a parent names an object that is not a version; run `press fsck`"),
    "view.archived_without_current": Wording(
        hint="delete it for good: press delete {record}; or keep it: press revert {record} --to {version}"),
    "view.broken_read": Wording(hint="each violation names its fix; a git merge, rebase or revert left this state (press fsck lists it again)"),
    "view.link_to_missing": Wording(
        hint="take {record} off the site: press unpublish {record}; or restore {target} "
             "(press save {target}, then press publish {target})"),
    "view.link_to_unpublished": Wording(
        hint="publish it: press publish {target} --cascade; or take {record} off the site: press unpublish {record}"),
    "view.published_and_archived": Wording(
        hint="keep it withdrawn: press archive {record}; or public: press publish {record}"),
    "view.published_without_current": Wording(
        hint="take it off the site: press delete {record}; or keep it: press revert {record} --to {version}"),
    "yamlread.reading_changed": Wording(hint="write the value as meant in content/{record}.yaml (quote a string, e.g. \"1_000\"; spell a number plainly, e.g. 1000), press save {record}, and publish it if it was published; older versions only matter if you revert to them"),
}


# The keys of a problem's data that hold a time (UTC ISO 8601), for the human output to show local.
TIME_KEYS = frozenset({"at", "saved"})


def word(problem: Problem, local: Callable[[str], str] | None = None) -> Problem:
    """``problem`` in the CLI's terms: its cause's templates formatted with its data.

    ``local``: how a time of the data is shown to people (the JSON keeps UTC).
    """
    if problem.where is not None and problem.where.file == SET_VALUE:
        problem = dataclasses.replace(problem, where=dataclasses.replace(problem.where, file="the --set value"))
    if problem.cause is None:
        return problem
    wording = WORDING.get(problem.cause)
    if wording is None:
        return problem
    data = problem.data if local is None else {
        k: local(v) if k in TIME_KEYS and isinstance(v, str) else v for k, v in problem.data.items()}
    message = problem.message if wording.message is None else wording.message.format_map(data)
    hint = problem.hint if wording.hint is None else wording.hint.format_map(data)
    return dataclasses.replace(problem, message=message, hint=hint)


def word_all(problems: Iterable[Problem], local: Callable[[str], str] | None = None) -> list[Problem]:
    """Each of ``problems`` in the CLI's terms."""
    return [word(p, local) for p in problems]


def word_stored(entry: Mapping[str, Any]) -> Problem:
    """A problem a schedule file keeps (``Problem.as_dict()``, with ``cause`` and ``data`` since they
    are stored) in the CLI's terms; an entry without a cause keeps its text."""
    where = Where(**{k: entry[k] for k in ("file", "line", "column", "record", "path") if k in entry})
    data = entry.get("data")
    problem = Problem(str(entry.get("message", "")), str(entry.get("code", "error")), where, entry.get("hint"),
                      entry.get("cause"), data if isinstance(data, dict) else {})
    return word(problem)


def word_violation(violation: Violation) -> Violation:
    """A violation of the published view with its message and fix in the CLI's terms."""
    worded = word(violation.problem())
    return dataclasses.replace(violation, message=worded.message, fix=worded.hint or violation.fix)


def word_error(error: PressError, local: Callable[[str], str] | None = None) -> tuple[Problem, list[Problem]]:
    """An error in the CLI's terms: its own message and hint, and every problem it reports.

    An error with no cause of its own that took its hint from its first problem
    (``hint=problems[0].hint``) shows that problem's hint as the CLI words it.
    """
    own, problems = word(error.problem(), local), word_all(error.problems, local)
    first = error.problems[0]
    if error.cause is None and first.cause is not None and error.hint is not None and error.hint == first.hint:
        own = dataclasses.replace(own, hint=problems[0].hint)
    return own, problems


# The CLI's own questions and refusals around destructive commands.
CONFIRM = "{action} {count} record(s)?"
NEEDS_YES = "press {action} asks before it changes anything, and no terminal can answer here"
NEEDS_YES_HINT = "add --yes to go ahead, or --dry-run to see the plan first"
DECLINED = "not confirmed: nothing {verb}"

# press edit
EDITOR_FAILED = "the editor ({editor}) exited with {code}: nothing saved"
EDITOR_MISSING = "cannot run the editor {editor!r}: {reason}"
EDITOR_HINT = "set VISUAL or EDITOR to your editor's command, e.g. export EDITOR=nano"
EDIT_EMPTY = "{file} came back empty: nothing saved, and the file is as it was"
EDIT_UNCHANGED = "{file} is unchanged: nothing saved"
EDIT_NO_RECORD = "{record} has no working file and no saved version"
EDIT_NO_RECORD_HINT = "start it with: press new {model} {id}"
