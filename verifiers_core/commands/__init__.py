"""The subcommands of ``python -m verifiers_core``, one module each.

Each module has ``add_parser(subparsers)``, which adds its parser and sets ``func`` to the function
that runs it (returning the exit code). A new command is a new module and one line in
:data:`COMMANDS`.
"""

from __future__ import annotations

#: Modules of this package that define a subcommand, in the order ``--help`` lists them.
COMMANDS = ("list_cmd", "score", "dataset", "serve", "integrations", "new_plugin")
