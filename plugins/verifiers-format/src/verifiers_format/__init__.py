"""Format and shaping rewards for GRPO, as a verifiers-core plugin.

- ``format``: the R1 shape ``<think>…</think>answer`` (or open-r1's strict template);
- ``tag_count``: partial credit per well-placed tag;
- ``repetition``: n-gram repetition penalty over token ids (or words);
- ``overlong``: DAPO's soft overlong punishment over completion tokens;
- ``language_consistency``: the share of the reasoning's words in the target language (R1).

Build them by name once installed::

    >>> import verifiers_core
    >>> verifiers_core.get_reward("format")(completions=["<think>2+2=4</think> 4"])
    [1.0]

or directly from their classes (nothing heavy is imported either way):

>>> from verifiers_format import FormatReward
>>> FormatReward()(completions=["<think>2+2=4</think> 4"])
[1.0]
"""

from __future__ import annotations

from .format_reward import FormatReward
from .language import LanguageConsistencyReward
from .overlong import OverlongReward
from .repetition import RepetitionReward
from .tag_count import TagCountReward

__all__ = [
    "FormatReward",
    "LanguageConsistencyReward",
    "OverlongReward",
    "RepetitionReward",
    "TagCountReward",
]
__version__ = "0.1.0"
