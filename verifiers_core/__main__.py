"""Run the command line: ``python -m verifiers_core --help``."""

from .cli import entry_point

if __name__ == "__main__":  # not when multiprocessing's spawn re-imports it as __mp_main__
    entry_point()
