"""Run the command line: ``python -m verifiers_core --help``."""

from .cli import entry_point

entry_point()
