"""The Examples section of each command's help, and of the man page: one table for all of them.

Keyed by the command's path under ``press`` ("" for ``press`` itself, "schedule run"
for a subcommand). The record names are those of the repository's sample-site/, so
that tests/docs/test_examples.py can run the examples there and prove they work.
Kept apart from the commands' modules so that the help, the man page and that test
read it without importing any command.
"""

from __future__ import annotations

from typing import NamedTuple


class Example(NamedTuple):
    """One example: what it does (a short phrase) and the command line that does it."""

    says: str
    line: str


EXAMPLES: dict[str, tuple[Example, ...]] = {
    "": (
        Example("What changed, and what is published", "press status"),
        Example("Publish every draft and update that is ready", "press publish --all --dry-run"),
        Example("Run in another folder, as git -C does", "press -C sample-site status"),
        Example("The help of one command", "press save --help"),
    ),
    "init": (
        Example("Make the current folder a site", "press init"),
        Example("Make a new folder a site", "press init my-site"),
    ),
    "new": (
        Example("Start a post: fill in the file, then save it", "press new post launch"),
        Example("The same, naming the record as model/id", "press new tag/space"),
    ),
    "save": (
        Example("Set a field and save it, without opening the file", "press save post/apollo --set 'title=Apollo 11'"),
        Example("Save one record, saying why", "press save post/apollo -m 'Retitle'"),
        Example("Name the record by its working file (what Tab completes)", "press save content/post/apollo.yaml"),
        Example("Save every record with changes", "press save --all"),
    ),
    "status": (
        Example("Every record", "press status"),
        Example("The records of one model", "press status --model post"),
        Example("The same for a script", "press status --json"),
    ),
    "show": (
        Example("The current version", "press show post/compilers"),
        Example("The published version", "press show post/compilers@published"),
        Example("The version before current", "press show post/compilers@~1"),
    ),
    "validate": (
        Example("Every record with working changes", "press validate"),
        Example("Every record of a model", "press validate --model post"),
        Example("After editing a model: does what is public still pass?", "press validate --published"),
    ),
    "edit": (
        Example("Edit a record in $VISUAL or $EDITOR, then save it", "press edit post/apollo -m 'Fix a typo'"),
    ),
    "model": (
        Example("The site's models", "press model list"),
        Example("One model's options, links and schema", "press model show post"),
    ),
    "model list": (
        Example("The site's models", "press model list"),
        Example("The same for a script", "press model list --json"),
    ),
    "model show": (
        Example("One model's options, links and schema", "press model show post"),
    ),
    "publish": (
        Example("What would go live, and why", "press publish post/ace --cascade --dry-run"),
        Example("Publish a post and the drafts it links to", "press publish post/ace --cascade -m 'Launch'"),
        Example("Publish every draft and update", "press publish --all"),
    ),
    "unpublish": (
        Example("What would go back to draft", "press unpublish post/first-bug --dry-run"),
        Example("Make a published post a draft again", "press unpublish post/first-bug -m 'Needs sources'"),
    ),
    "archive": (
        Example("What would be archived", "press archive post/first-bug --dry-run"),
        Example("Archive a post (publish brings it back)", "press archive post/first-bug"),
    ),
    "delete": (
        Example("What would be deleted", "press delete post/note-g --dry-run"),
        Example("Delete a record without being asked (scripts, CI)", "press delete post/note-g --yes"),
    ),
    "release": (
        Example("Start a release", "press release create spring -m 'Spring launch'"),
        Example("Pin two drafts to it, one at a given version", "press release add spring post/ace post/note-g@ff8a99c"),
        Example("Take a post down with it", "press release add spring --unpublish post/cobol"),
        Example("What it moves, and whether it passes", "press release show spring"),
        Example("Publish it all in one transaction", "press release publish spring"),
    ),
    "release create": (
        Example("A new, empty release", "press release create summer -m 'Summer issue'"),
    ),
    "release add": (
        Example("Pin records at their current versions", "press release add spring post/ace post/note-g"),
        Example("Pin a given version", "press release add spring post/apollo@5b9fa57"),
        Example("Archive a post when it goes live", "press release add spring --archive post/first-bug"),
    ),
    "release remove": (
        Example("Take a record out of a release", "press release remove spring post/ace"),
    ),
    "release list": (
        Example("Open and published releases", "press release list"),
    ),
    "release show": (
        Example("What a release moves, and whether it passes", "press release show spring"),
        Example("The same for a pipeline (exit 1 if it would be refused)", "press release show spring --json"),
    ),
    "release publish": (
        Example("See what would move", "press release publish spring --dry-run"),
        Example("Publish it at a set time", "press release publish spring --at 2030-01-01T09:00:00+01:00"),
        Example("Or now, in one transaction", "press release publish spring"),
    ),
    "release delete": (
        Example("Drop a release (no record moves)", "press release delete spring"),
    ),
    "stage": (
        Example("Mark the current version as reviewed", "press stage post/apollo review -m 'Read twice'"),
    ),
    "schedule": (
        Example("Publish a post at a set time", "press schedule publish post/apollo --at 2030-01-01T09:00:00+01:00"),
        Example("What is scheduled", "press schedule list"),
        Example("Carry out what is due (from cron or CI)", "press schedule run"),
    ),
    "schedule publish": (
        Example("Publish the version current now, at a set time",
                "press schedule publish post/apollo --at 2030-01-01T09:00:00+01:00"),
        Example("Publish whatever is current in two hours", "press schedule publish post/ace --at +2h --latest"),
    ),
    "schedule unpublish": (
        Example("Take a post down at the end of June", "press schedule unpublish post/cobol --at 2030-06-30T18:00:00Z"),
    ),
    "schedule list": (
        Example("Pending and failed schedules", "press schedule list"),
        Example("Done and cancelled ones too", "press schedule list --all"),
    ),
    "schedule cancel": (
        Example("Cancel a schedule by the id schedule list shows", "press schedule cancel 3f2a9c1"),
    ),
    "schedule ack": (
        Example("Acknowledge a schedule two clones both ran (fsck names it)", "press schedule ack 3f2a9c1"),
    ),
    "schedule next": (
        Example("When the next action is due", "press schedule next"),
        Example("The same for a pipeline", "press schedule next --json"),
    ),
    "schedule run": (
        Example("Carry out what is due now (from cron or CI)", "press schedule run"),
        Example("Catch up as if it were a given time", "press schedule run --now 2030-01-02T00:00:00Z"),
    ),
    "log": (
        Example("A record's versions and events", "press log post/compilers"),
        Example("With each version's changes", "press log post/compilers -p"),
        Example("The latest events of the whole site", "press log -n 20"),
        Example("What went live or came down in a period", "press log --site --since 2026-11-01T00:00:00Z"),
    ),
    "diff": (
        Example("Every record with working changes", "press diff"),
        Example("What publishing a record would change", "press diff post/compilers --published"),
        Example("Two versions of a record", "press diff post/compilers @published @~1"),
        Example("Only count the changes", "press diff post/compilers --published --stat"),
    ),
    "revert": (
        Example("Throw away what was saved since the last publish",
                "press revert post/compilers --to published -m 'Back to the live text'"),
        Example("Go back one version", "press revert post/flow-matic --to @~1"),
    ),
    "export": (
        Example("The published view, for a site generator", "press export --out build/content"),
        Example("Drafts too, as Markdown with front matter", "press export --out preview --preview --format markdown"),
    ),
    "audit": (
        Example("Export, build the site, then prove nothing unpublished leaked", "press export --out public"),
        Example("", "press audit public"),
    ),
    "serve": (
        Example("The delivery API on http://127.0.0.1:8750/api/", "press serve"),
        Example("On every address, for a front end on another origin",
                "press serve --host 0.0.0.0 --port 8080 --cors-origin https://example.com"),
    ),
    "resolve": (
        Example("After a git merge, keep this branch's side", "press resolve post/cobol --ours"),
        Example("Or take a given version", "press resolve post/cobol --version fad8750"),
    ),
    "git": (
        Example("Set up a fresh clone (attributes, merge driver, hooks)", "press git setup"),
    ),
    "git setup": (
        Example("Set up a fresh clone (attributes, merge driver, hooks)", "press git setup"),
        Example("Without git hooks", "press git setup --no-git-hooks"),
    ),
    "merge-driver": (
        Example("Set up the merge driver in this clone", "press merge-driver install"),
    ),
    "merge-driver install": (
        Example("Set up the merge driver in this clone", "press merge-driver install"),
    ),
    "merge-driver run": (
        Example("What install writes in .git/config for git to run", "press merge-driver run %O %A %B %P"),
    ),
    "completion": (
        Example("Print the script for bash (eval it in ~/.bashrc)", "press completion bash"),
        Example("Or let press add it to your shell's start-up file", "press --install-completion"),
    ),
    "fsck": (
        Example("Check everything", "press fsck"),
        Example("Only the published view (as the git hooks do)", "press fsck --view-only"),
    ),
    "gc": (
        Example("What would be removed", "press gc --dry-run"),
        Example("Remove it, sparing objects younger than a day", "press gc --grace 1d"),
    ),
    "journal": (
        Example("What a crash left, if anything", "press journal show"),
    ),
    "journal show": (
        Example("What a crash left, if anything", "press journal show"),
    ),
    "journal finish": (
        Example("Finish it", "press journal finish"),
    ),
    "journal drop": (
        Example("Set it aside instead", "press journal drop"),
    ),
}
