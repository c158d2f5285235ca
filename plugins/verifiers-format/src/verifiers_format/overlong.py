"""``overlong``: DAPO's soft overlong punishment (Eq. 13 of arXiv:2503.14476) over completion tokens.

With ``L = max_length`` and ``B = buffer``, a completion of ``|y|`` tokens gets::

    0                      if |y| <= L - B
    ((L - B) - |y|) / B    if L - B < |y| <= L      (from 0 down to -1)
    -1                     if |y| > L

The length is ``len(completion_ids[i])``: the token count the trainer generated (TRL passes it).
Where a row has no ids (offline scoring), the length comes from, in this order:

- ``tokenizer``: a ``tokenizer.json`` (or a folder holding one) that re-encodes the completion
  text without special tokens -- exact up to the end-of-sequence token and any merge across the
  prompt boundary;
- ``chars_per_token``: ``ceil(characters / chars_per_token)``, an explicit approximation (about 4
  for English with common BPE vocabularies, nearer 1 for character-level tokenizers); rows scored
  this way are counted as ``overlong/estimated_lengths``;
- otherwise the call is an error that says so: characters are never taken for tokens silently.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

from verifiers_core import Batch, MissingColumnError, Reward, RewardParamError

from .config import OverlongConfig

logger = logging.getLogger("verifiers_format")


def soft_overlong_penalty(length: int, max_length: int, buffer: int) -> float:
    """DAPO's soft overlong punishment for a completion of ``length`` tokens.

    >>> [soft_overlong_penalty(n, 100, 20) for n in (80, 90, 100, 101)]
    [0.0, -0.5, -1.0, -1.0]
    >>> soft_overlong_penalty(100, 100, 0), soft_overlong_penalty(101, 100, 0)  # no buffer: a hard limit
    (0.0, -1.0)
    """
    limit = max_length - buffer
    if length <= limit:
        return 0.0
    if length <= max_length:
        return (limit - length) / buffer
    return -1.0


def _tokenizer_file(path: str) -> str:
    """The ``tokenizer.json`` that ``path`` names (the file, or a folder that holds one)."""
    candidate = os.path.join(path, "tokenizer.json") if os.path.isdir(path) else path
    if not os.path.isfile(candidate):
        raise RewardParamError(
            f"reward 'overlong', parameter 'tokenizer': no tokenizer file at {candidate!r} "
            "(accepts the path of a tokenizer.json, or of a folder that holds one)"
        )
    return candidate


class OverlongReward(Reward):
    """DAPO's soft overlong punishment: 0 up to ``max_length - buffer`` tokens, down to -1 at ``max_length``.

    >>> over = OverlongReward(max_length=100, buffer=20)
    >>> over(completions=["a", "b", "c"], completion_ids=[[1] * 80, [1] * 90, [1] * 120])
    [0.0, -0.5, -1.0]
    >>> OverlongReward(max_length=10, buffer=5, chars_per_token=1.0)(completions=["x" * 8])  # no ids
    [-0.6]
    """

    __name__ = "overlong"
    #: A penalty on the whole completion (truncated ones included), not a grade of its answer.
    grades_answer = False

    def __init__(self, config: OverlongConfig | None = None, /, **params: Any) -> None:
        self.config = OverlongConfig.resolve(self.__name__, config, params)
        self.max_length = self.config.max_length
        self.buffer = self.config.buffer
        self.tokenizer = _tokenizer_file(self.config.tokenizer) if self.config.tokenizer else None
        self.chars_per_token = self.config.chars_per_token
        self.low = -1.0
        self.required_columns = ()
        self._tokenizer: Any = None
        if self.tokenizer is not None:
            self._load_tokenizer()  # fail at build time on a file that is not a tokenizer

    # The loaded tokenizer is rebuilt lazily after pickling (it is a native object).
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_tokenizer"] = None
        return state

    def _load_tokenizer(self) -> Any:
        if self._tokenizer is None:
            try:
                from tokenizers import Tokenizer
            except ImportError:
                raise RewardParamError(
                    "reward 'overlong', parameter 'tokenizer': needs the `tokenizers` package "
                    "(pip install 'verifiers-format[tokenizer]')"
                ) from None
            try:
                self._tokenizer = Tokenizer.from_file(self.tokenizer)
            except Exception as exc:  # the Rust side raises a bare Exception
                raise RewardParamError(
                    f"reward 'overlong', parameter 'tokenizer': cannot load {self.tokenizer!r}: {exc}"
                ) from None
        return self._tokenizer

    def length(self, text: str, ids: Any, batch: Batch) -> int:
        """The completion's length in tokens (see the module docstring for the fallbacks)."""
        if ids is not None:
            return len(ids)
        if self.tokenizer is not None:
            return len(self._load_tokenizer().encode(text, add_special_tokens=False).ids)
        batch.count("estimated_lengths")
        return math.ceil(len(text) / self.chars_per_token)

    def score(self, batch: Batch) -> list[float | None]:
        ids = batch.completion_ids
        missing = [i for i in range(len(batch)) if ids is None or ids[i] is None]
        if missing and self.tokenizer is None and self.chars_per_token is None:
            raise MissingColumnError(
                f"reward {self.__name__!r} counts completion tokens, but completion_ids are missing for "
                f"rows {missing[:10]}{' ...' if len(missing) > 10 else ''} (TRL's GRPOTrainer always "
                "passes them); pass completion_ids, or set tokenizer=PATH (a tokenizer.json, counted "
                "exactly by re-encoding) or chars_per_token=N (an approximation)"
            )
        if self.tokenizer is not None and missing:
            self._load_tokenizer()  # after unpickling: load once, outside the per-row isolation
        out: list[float | None] = []
        for i, text in enumerate(batch.texts):
            try:
                length = self.length(text, ids[i] if ids is not None else None, batch)
                out.append(soft_overlong_penalty(length, self.max_length, self.buffer))
            except Exception as exc:  # defensive: one odd row must not stop training
                batch.count("errors")
                logger.warning("overlong failed on row %d: %r", i, exc)
                out.append(self.low)
        return out
