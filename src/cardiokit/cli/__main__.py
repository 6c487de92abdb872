"""`python -m cardiokit.cli` runs the command line."""

from . import main

main()
