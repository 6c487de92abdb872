"""`python -m cardiokit` runs the command line."""

from .cli import main

main()
