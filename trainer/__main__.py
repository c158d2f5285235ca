"""``python -m trainer``: see ``python -m trainer --help``."""

import sys

from trainer.run import main
from verifiers_core.interrupts import EXIT_INTERRUPTED, exit_promptly

if __name__ == "__main__":
    status = main()
    if status == EXIT_INTERRUPTED:  # reward workers and sandboxes get a bounded time to shut down
        exit_promptly(status)
    sys.exit(status)
