"""``python -m pressroom`` runs the ``press`` command line."""

from .cli.app import main

main()
