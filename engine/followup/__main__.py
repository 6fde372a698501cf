"""``python -m followup`` runs the command line."""

from followup.cli import main

main()
