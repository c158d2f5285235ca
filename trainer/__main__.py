"""``python -m trainer``: see ``python -m trainer --help``."""

import sys

from trainer.run import main

if __name__ == "__main__":
    sys.exit(main())
