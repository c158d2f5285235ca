"""Run the command line: ``python -m verifiers_core --help``."""

import sys

from .cli import main

sys.exit(main())
