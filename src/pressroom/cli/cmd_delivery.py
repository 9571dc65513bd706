"""Delivery to static site generators: export, and the audit of what they built."""

from __future__ import annotations

import dataclasses
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..api import DEFAULT_MIN_LENGTH
from ..errors import Problem
from .common import JsonOpt, base_dir, open_site
from .helptext import PressTyper
from .output import command, print_lines, stderr, stdout

# Its commands, which cli.app.COMMANDS registers on `press` when one of them is looked up.
app = PressTyper(rich_markup_mode=None)


class ExportFormat(str, Enum):
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", metavar="DIR", help="Folder to write to (created if missing).",
                                      show_default=False)],
    format_: Annotated[ExportFormat, typer.Option("--format", metavar="FORMAT",
                                                  help="json, yaml, or markdown (front matter + body).",
                                                  case_sensitive=False)] = ExportFormat.json,
    preview: Annotated[bool, typer.Option("--preview", help="Export current versions, drafts included "
                                                            "(for a preview deploy).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite or remove files press wrote even if they "
                                                        "were edited since.")] = False,
    body_in_front_matter: Annotated[bool, typer.Option(
        "--body-in-front-matter", help="With --format markdown: keep the body field in the front matter and "
                                       "leave the content empty (Hugo runs shortcodes in content).")] = False,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", metavar="TIME", help="The published view as it stood at TIME (as schedule --at takes it), "
                                        "replayed from the event logs.", show_default=False)] = None,
    release: Annotated[Optional[str], typer.Option(
        "--release", metavar="NAME", help="The site as it will be once release NAME is published (a preview "
                                          "of the release).", show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """Write the published view to a folder for a site generator.

    Writes OUT/<model>/<id>.json (or .yaml, .md), OUT/<model>/index.json listing
    each model's records, and OUT/manifest.json mapping every record to its
    version and published time. Incremental: a file is rewritten only when it
    changed, and files of records no longer published are removed. Files press
    did not write are never touched: they are reported. A file press wrote and
    someone edited since is not overwritten (exit 1, nothing written) nor
    removed (it is kept and reported), unless --force. Drafts are never
    exported unless --preview is given; then each document says draft: true.
    OUT may not be the site's folder, a folder holding it, or one inside
    content/ (exit 1): a generator must never see the working files. A
    published view a git merge broke (a dangling link, refs no command makes)
    is never exported: exit 5, nothing written, each violation and its fix
    listed (press fsck lists them too). --as-of TIME exports the site exactly
    as it was published at TIME; a version gc removed since is refused (exit 2),
    naming the record. --release NAME exports the site as it will be once that
    release is published (refused, exit 1, naming each problem, when it would not be).
    """
    with command("export", json_) as out_:
        result = open_site(ctx).export(base_dir(ctx) / out, format=format_.value, preview=preview, force=force,
                                       body_in_front_matter=body_in_front_matter, as_of=as_of, release=release)

        def render() -> None:
            view = "current versions (preview)" if result.preview else "the published view"
            stdout.print(f"exported {result.records} record(s) of {view} to {result.out} as {result.format}")
            stdout.print(f"{len(result.written)} written, {result.unchanged} unchanged, "
                         f"{len(result.removed)} removed")
            for rel in result.modified:
                stderr.print(f"kept {rel}: no longer in the view, but edited since press wrote it "
                             "(export --force removes it)")
            foreign = [rel for rel in result.foreign if rel not in result.modified]
            if foreign:
                stderr.print(f"{len(foreign)} file(s) in {result.out} not written by press were left alone:",
                             style="dim")
                for rel in foreign[:20]:
                    stderr.print(f"  {rel}", style="dim")
                if len(foreign) > 20:
                    stderr.print(f"  ... and {len(foreign) - 20} more", style="dim")

        out_.done(result, render)


@app.command()
def audit(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(metavar="OUT", help="The built site: the folder a generator wrote.",
                                        show_default=False)],
    min_length: Annotated[int, typer.Option("--min-length", metavar="N",
                                            help="Search only text of at least N characters (long values "
                                                 "sentence by sentence).")] = DEFAULT_MIN_LENGTH,
    json_: JsonOpt = False,
) -> None:
    """Prove a built site leaks no text of unpublished versions.

    It fails on any text that is in no published version. Searches every file
    under OUT (HTML, XML, JSON, YAML, text...) for the string values of drafts,
    unpublished edits, archived, withdrawn and deleted records (their versions
    stay in the store until press gc) and unsaved working files, and for working
    files copied as is: each found is a leak. Text of a version published once
    and replaced since is stale. Text that a published version holds is never a
    finding. Matches text as generators render it: HTML tags and entities,
    Markdown links and emphasis, smart quotes and dashes, any whitespace. Exit
    0: nothing found; exit 1: each finding is listed with its file, record,
    field and kind.
    """
    with command("audit", json_) as out_:
        result = open_site(ctx).audit(base_dir(ctx) / out, min_length=min_length)
        out_.warn(result.warnings)

        def render() -> None:
            lines = [f"{f.kind}  {f.file}  {f.record}  {f.field or '(the whole file)'}  "
                     f"{f.origin}{' ' + f.version[:7] if f.version else ''}: {f.text}" for f in result.findings]
            print_lines(lines)
            summary = (f"audited {result.files} file(s) in {result.out} for {result.fragments} fragment(s) "
                       "of text in no published version")
            if result.ok:
                stdout.print(f"{summary}: nothing found")

        errors = [] if result.ok else [Problem(
            f"{result.leaks} leak(s) and {result.stale} stale text(s) in {result.out}", code="audit_findings",
            hint="build from `press export` of the published view into an empty folder; "
                 "press log RECORD shows where the text comes from")]
        # Warnings go to the envelope's "warnings", once.
        data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "warnings"}
        out_.done(data, render, exit_code=0 if result.ok else 1, errors=errors)
