"""Commands on records and their versions: init, save, status, show (log is in cmd_history)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..api import Site
from ..errors import NotFoundError, Problem, RefusedError, UsageError
from . import hints
from .completion import complete_ref
from .common import (base_dir, path_refs, AllOpt, AuthorOpt, CommitOpt, JsonOpt, MessageOpt, ModelOpt, NoHooksOpt, after_problems,
                     author_name, open_site, render_after, short)
from .helptext import PressTyper
from .output import command, local_time, paged, print_columns, print_lines, say, stdout

# Its commands, which cli.app.COMMANDS registers on `press` when one of them is looked up.
app = PressTyper(rich_markup_mode=None)

STATUS_STYLE = {"new": "cyan", "draft": "yellow", "published": "green", "updated": "blue", "archived": "dim",
                "deleted": "dim", "conflict": "red"}


@app.command()
def init(
    ctx: typer.Context,
    directory: Annotated[Optional[Path], typer.Argument(metavar="DIR", help="Folder to make a site (default: -C or .).",
                                                        show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """Make a folder a pressroom site.

    It writes pressroom.yaml, models/, content/ and .press/. In an existing site
    it creates only what is missing, and says so.
    """
    with command("init", json_) as out:
        target = directory or (ctx.find_root().obj or {}).get("directory") or Path(".")
        result = Site.init(target)

        def render() -> None:
            if result.created:
                stdout.print(f"Initialised pressroom site in {result.root}: created {', '.join(result.created)}")
            else:
                stdout.print(f"{result.root} is already a pressroom site; nothing changed")

        out.done(result, render)


def _parse_sets(values: list[str]) -> list[tuple[str, object]]:
    """``path=value`` pairs; the value stays text, for ``Site.save`` to read as YAML once."""
    pairs: list[tuple[str, object]] = []
    for item in values:
        path, sep, value = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--set {item!r} is not field=value", hint="e.g. --set title=Hello --set tags[0]=news")
        pairs.append((path.strip(), value))
    return pairs


@app.command()
def save(
    ctx: typer.Context,
    refs: Annotated[Optional[list[str]], typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="Records to save (model/id).",
                                                        show_default=False)] = None,
    all_: AllOpt = False,
    model: ModelOpt = None,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    file: Annotated[
        Optional[str], typer.Option("-f", "--file", metavar="FILE", help="Take the content from FILE, or - for stdin.",
                                    show_default=False)
    ] = None,
    sets: Annotated[
        Optional[list[str]],
        typer.Option("--set", metavar="PATH=VALUE",
                     help="Edit a field in place first (keeps comments): path=value, e.g. tags[2]=news; "
                          "a commented-out '# field:' line (as press new writes) is filled in. The value is "
                          "YAML 1.2: 3, true, null, [a, b] are a number, a boolean, null, a list; quote it "
                          "to keep it text: --set 'title=\"007\"' stores the string 007.",
                     show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With -f: overwrite unsaved changes.")] = False,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Save working files as new versions of their records.

    Each working file content/<model>/<id>.yaml becomes a version, and the
    record's current moves to it. Unchanged content makes no version. A batch is
    one transaction: if any file is bad, nothing is saved and every problem is
    listed. A new record may not be named index, _index or _anything: site
    generators misread such files. --all and --model pass over a file holding an
    older version's bytes (a stale git checkout), with a warning naming that
    version; name the record to save it.
    """
    with command("save", json_) as out:
        site = open_site(ctx)
        content = None
        if file == "-":
            content = sys.stdin.buffer.read(site.config.max_file_size + 1)
        elif file is not None:
            try:
                # Read one byte past the limit, no more: -f /dev/zero must not fill memory.
                with open(base_dir(ctx) / file, "rb") as f:
                    content = f.read(site.config.max_file_size + 1)
            except OSError as e:
                raise UsageError(f"cannot read -f {file}: {e.strerror}",
                                 hint="give the path of a YAML file, or - to read the content from stdin") from None
        # Loaded here: status and show, in the same module, need no progress bar.
        from .progress import bar
        with bar("checking", "writing", as_json=json_) as progress:
            result = site.save(*(refs or []), all=all_, model=model, message=message, author=author,
                               content=content, set=_parse_sets(sets or []), force=force, hooks=not no_hooks,
                               commit=commit, progress=progress)

        def render() -> None:
            print_lines([f"saved {s.record} {short(s.version)}" + (f" (parent {short(s.parent)})" if s.parent
                                                                    else " (first version)")
                         for s in result.saved])
            if not result.saved:
                stdout.print(f"nothing saved: {len(result.stale)} stale working file(s) passed over"
                             if result.stale else "nothing to save: content unchanged")
            elif len(result.saved) > 1 or result.unchanged:
                # A batch ends with its total, as publish and validate do.
                unchanged = f", {len(result.unchanged)} unchanged skipped" if result.unchanged else ""
                stdout.print(f"{len(result.saved)} record(s) saved{unchanged}", style="dim")
            render_after(result)

        out.warn(result.warnings)
        errors = after_problems(result, out)
        out.done(result, render, exit_code=1 if errors else 0, errors=errors)


@app.command()
def status(
    ctx: typer.Context,
    refs: Annotated[Optional[list[str]], typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF", help="Records to show (default: all).",
                                                        show_default=False)] = None,
    model: ModelOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show each record's status and its unsaved changes.

    A status is new, draft, published, updated or archived. What a git merge
    broke in the published view (press fsck's exit-5 violations) is listed
    first, as warnings; status still exits 0.
    """
    with command("status", json_) as out:
        site = open_site(ctx)
        result = site.status(*(refs or []), model=model)

        def render() -> None:
            if not result.records:
                stdout.print("no records yet: write content/<model>/<id>.yaml, then press save")
                return
            staged = any(r.stage for r in result.records)
            rows = []
            # A bulk save or publish gives thousands of rows one time and one author: each is formatted once.
            times: dict[object, str] = {}
            authors: dict[str | None, str] = {}
            for r in result.records:
                current = short(r.current)
                # Most records publish their current version: its short form once.
                published = current if r.published == r.current else short(r.published)
                if r.conflicts:
                    # A ref in merge conflict shows both sides: ours/theirs.
                    sides = {c["kind"]: f"{short(c['ours'])}/{short(c['theirs'])}" for c in r.conflicts}
                    current, published = sides.get("current", current), sides.get("published", published)
                when = times.get(r.updated_at)
                if when is None:
                    when = times[r.updated_at] = local_time(r.updated_at)
                by = authors.get(r.updated_by)
                if by is None:
                    by = authors[r.updated_by] = author_name(r.updated_by)
                rows.append(([r.record, r.status, r.stage or "", r.changes or "", current, published, when, by]
                             if staged else [r.record, r.status, r.changes or "", current, published, when, by],
                             STATUS_STYLE.get(r.status)))
            # A narrow terminal loses the author first, then the version ids: never a cut-off time.
            fitted = print_columns(["record", "status", *(["stage"] if staged else []), "changes", "current",
                                    "published", "last change", "by"], rows, drop=["by", "published", "current"])
            counts = ", ".join(f"{n} {s}" for s, n in result.counts().items() if n)
            note = f" ({fitted.note()})" if fitted.note() else ""
            say(f"{len(result.records)} record(s): {counts}{note}", style="dim")

        out.warn(result.warnings)
        out.done({"records": result.records, "counts": result.counts(), "violations": result.violations}, render)


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF",
                                       help="model/id[@version]; version: id, @current, @published, ~N.")],
    json_: JsonOpt = False,
) -> None:
    """Print a version's content exactly as it was saved.

    Without @version: the current version.
    """
    with command("show", json_) as out:
        result = open_site(ctx).show(ref)

        def render() -> None:
            sys.stdout.flush()
            sys.stdout.buffer.write(result.content)
            sys.stdout.buffer.flush()

        with paged(not json_):
            out.done(result, render)



@app.command()
def edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(callback=path_refs, autocompletion=complete_ref, metavar="REF",
                                       help="The record (model/id, or its working file's path).")],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    no_hooks: NoHooksOpt = False,
    commit: CommitOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Open a record's working file in your editor, then save it.

    The editor is VISUAL, else EDITOR, else vi. A record without a working
    file gets its current version written out first. Nothing is saved when
    the file comes back unchanged, or empty (then it is put back as it was),
    or when the editor fails: each exits 1. A file that does not pass
    validation stays as you left it: fix it with press edit REF again.
    """
    with command("edit", json_) as out:
        site = open_site(ctx)
        path = site.working_file(ref)
        if not path.exists():
            try:
                content = site.show(ref).content
            except NotFoundError:
                model, _, rid = ref.partition("/")
                raise UsageError(hints.EDIT_NO_RECORD.format(record=ref),
                                 hint=hints.EDIT_NO_RECORD_HINT.format(model=model, id=rid)) from None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        before = path.read_bytes()
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as e:
            raise UsageError(hints.EDITOR_MISSING.format(editor=editor, reason=e.strerror),
                             hint=hints.EDITOR_HINT) from None
        file = site.rel(path)
        if code != 0:
            raise RefusedError(hints.EDITOR_FAILED.format(editor=editor, code=code))
        after = path.read_bytes()
        if not after.strip():
            path.write_bytes(before)
            raise RefusedError(hints.EDIT_EMPTY.format(file=file))
        if after == before:
            out.done({"record": ref, "saved": []}, None, exit_code=1,
                     errors=[Problem(hints.EDIT_UNCHANGED.format(file=file), code="nothing_to_do")])
        result = site.save(ref, message=message, author=author, hooks=not no_hooks, commit=commit)

        def render() -> None:
            print_lines([f"saved {s.record} {short(s.version)}" for s in result.saved])
            if not result.saved:
                stdout.print("nothing to save: content unchanged")
            render_after(result)

        out.warn(result.warnings)
        errors = after_problems(result, out)
        out.done(result, render, exit_code=1 if errors else 0, errors=errors)
