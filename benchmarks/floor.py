"""The CLI floor: the least any typer command line can cost on this machine.

A bare typer app with one command that prints a line, run as a process
(``python benchmarks/floor.py hello``). typer loads its option machinery
(and pydantic, in typer 0.29) only when a command runs, so ``import typer,
rich`` alone understates what a typer command costs; this is the baseline
``benchmarks/run.py`` times ``press show`` and ``press log`` against.
"""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = typer.Option("world", help="Whom to greet.")) -> None:
    """Print one line."""
    typer.echo(f"hello {name}")


@app.command()
def other() -> None:
    """A second command, so that typer parses a command name as press's CLI does."""
    typer.echo("other")


if __name__ == "__main__":
    app()
