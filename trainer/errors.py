"""The one error type the trainer raises for a bad run configuration."""

from __future__ import annotations


class TrainerConfigError(ValueError):
    """A run cannot start as configured; the message names what is wrong and how to fix it.

    Raised before any model loads, so a typo costs seconds, not a model download.

    >>> str(TrainerConfigError("unknown reward 'acuracy'"))
    "unknown reward 'acuracy'"
    """
