"""``python -m followup`` runs the command line."""

from .cli import main

main()
