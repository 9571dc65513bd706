"""The ``press`` executable: ``press --version`` answers before the commands load.

Loading every command (typer builds each one's options) and the library
behind them costs more than the version is worth; anything else goes to
``pressroom.cli.app.main``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``press`` script."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from .. import __version__

        print(f"press {__version__}")
        sys.exit(0)
    try:
        from .app import main as run
    except KeyboardInterrupt:
        # Ctrl-C while press is still loading: nothing has run yet.
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    run(args)
