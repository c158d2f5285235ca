"""Exceptions raised by verifiers-core.

Every error names what is wrong and where: which reward, which plugin, which parameter or column.
They all derive from :class:`VerifiersCoreError`, so callers can catch one type.
"""

from __future__ import annotations


class VerifiersCoreError(Exception):
    """Base class of every error raised by verifiers-core.

    >>> issubclass(UnknownRewardError, VerifiersCoreError)
    True
    """


class UnknownRewardError(VerifiersCoreError, KeyError):
    """A reward name matches nothing installed.

    It derives from ``KeyError`` too, so code written against a plain dict of rewards keeps working.
    """

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class AmbiguousRewardError(VerifiersCoreError):
    """A bare reward name is registered by more than one plugin."""


class DuplicateRewardError(VerifiersCoreError):
    """Two plugins registered the same qualified name ``<plugin>/<name>``."""


class RewardParamError(VerifiersCoreError, ValueError):
    """A reward parameter is unknown or has a value the parameter does not accept."""


class RewardSelectionError(VerifiersCoreError, ValueError):
    """A reward selection (names, weights, ``NAME.KEY=VALUE`` pairs, YAML) is malformed."""


class MissingColumnError(VerifiersCoreError, KeyError):
    """A reward needs a dataset column that the batch does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class RewardContractError(VerifiersCoreError, TypeError):
    """A reward broke the reward contract (wrong number or type of values)."""


class PluginError(VerifiersCoreError):
    """A plugin failed to import or to register its rewards (raised only in strict mode)."""


class UnknownDatasetError(VerifiersCoreError, KeyError):
    """A dataset name matches no registered dataset generator."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DatasetParamError(VerifiersCoreError, ValueError):
    """A dataset parameter (or argument) is unknown or has a value the generator does not accept."""


class DatasetError(VerifiersCoreError):
    """A dataset generator failed, or produced rows that break the row contract."""
