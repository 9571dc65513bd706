"""Progress bars of batch commands: on stderr, only in a terminal, only for a long batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .output import is_tty, stderr

# rich's progress display is loaded when a bar is drawn: a one-record save draws none.
if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

# A bar only where it helps: a long batch, in a terminal.
PROGRESS_THRESHOLD = 300


class Bar:
    """A progress callback ``(done, total)``: a rich bar on stderr once a batch is long and stdout is a terminal.

    A command may report several passes over its records: a new total, or a
    count that starts again, begins the next pass, under the next of
    ``labels`` (the last one stays).
    """

    def __init__(self, labels: tuple[str, ...], enabled: bool):
        self.labels = labels
        self.enabled = enabled
        self.progress: RichProgress | None = None
        self.task: TaskID | None = None
        self.total = 0
        self.done = 0
        self.passes = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_THRESHOLD:
            return
        if self.progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self.progress = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                         TimeRemainingColumn(), console=stderr, transient=True)
            self.progress.start()
        if self.task is None or total != self.total or done < self.done:
            if self.task is not None:
                self.progress.remove_task(self.task)
            label = self.labels[min(self.passes, len(self.labels) - 1)]
            self.passes += 1
            self.total = total
            self.task = self.progress.add_task(label, total=total)
        self.done = done
        self.progress.update(self.task, completed=done)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def bar(*labels: str, as_json: bool) -> Bar:
    """A bar for a command's passes (``labels``); none with ``--json``, ``-q`` or off a terminal."""
    return Bar(labels, enabled=is_tty() and not as_json)
