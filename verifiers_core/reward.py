"""The reward contract, as a base class.

TRL's ``GRPOTrainer`` calls a reward with keywords only::

    reward(prompts=[...], completions=[...], completion_ids=[...], solution=[...], ...,
           trainer_state=..., log_extra=..., log_metric=...)

and expects one ``float`` (or ``None``: "cannot score this row") per completion. :class:`Reward`
turns that call into :meth:`Reward.score` on a :class:`Batch` of plain texts and columns, checks the
columns it needs, checks what comes back, and counts internal failures through ``log_metric``.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import MissingColumnError, RewardContractError
from .text import completion_text

logger = logging.getLogger("verifiers_core")

#: Keywords TRL passes that are not dataset columns.
TRAINER_KEYWORDS = frozenset({"trainer_state", "log_extra", "log_metric", "environments"})


@dataclass
class Batch:
    """What a reward scores: completion texts plus the aligned dataset columns.

    >>> b = Batch(texts=["a", "b"], columns={"solution": ["1", "2"]})
    >>> len(b), b.column("solution")
    (2, ['1', '2'])
    """

    texts: list[str]
    prompts: list[Any] | None = None
    completions: list[Any] | None = None
    completion_ids: list[list[int]] | None = None
    columns: dict[str, list[Any]] = field(default_factory=dict)
    log_metric: Callable[[str, float], None] | None = None
    log_extra: Callable[[str, list], None] | None = None
    counts: Counter = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.texts)

    def column(self, name: str) -> list[Any]:
        """The values of one column, one per completion.

        >>> Batch(texts=["x"], columns={"gold": [3]}).column("gold")
        [3]
        """
        return self.columns[name]

    def count(self, what: str, n: int = 1) -> None:
        """Count an event (``timeouts``, ``errors``, ...); reported once per call via ``log_metric``.

        >>> b = Batch(texts=["x"]); b.count("timeouts"); b.counts["timeouts"]
        1
        """
        self.counts[what] += n


class Reward:
    """Base class for rewards that TRL's ``GRPOTrainer`` accepts as they are.

    Subclasses set ``required_columns`` (usually in ``__init__``, from their parameters) and
    implement either :meth:`score` (a whole batch) or :meth:`score_one` (one completion, with that
    row's columns). An exception in ``score_one`` scores the row ``low`` and is counted as an
    error, so one odd completion never stops training. The registry sets ``__name__`` to the
    reward's name, which TRL uses for ``rewards/<name>/mean``.

    >>> class Shout(Reward):
    ...     def score_one(self, text, row):
    ...         return 1.0 if text.isupper() else 0.0
    >>> Shout()(prompts=["p", "p"], completions=["HI", [{"role": "assistant", "content": "hi"}]])
    [1.0, 0.0]
    """

    __name__ = "reward"
    #: Dataset columns this reward reads; checked at every call.
    required_columns: Sequence[str] = ()
    #: The score given to a completion that cannot be right (wrong, malformed, failed).
    low: float = 0.0
    #: Counters sent to ``log_metric`` at every call, 0 included, so their means stay honest.
    reported_counts: Sequence[str] = ("errors",)

    def __call__(
        self,
        prompts: list[Any] | None = None,
        completions: list[Any] | None = None,
        completion_ids: list[list[int]] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        if completions is None:
            raise RewardContractError(f"reward {self.__name__!r} was called without completions=")
        completions = list(completions)
        log_metric = kwargs.get("log_metric")
        log_extra = kwargs.get("log_extra")
        columns = {k: v for k, v in kwargs.items() if k not in TRAINER_KEYWORDS}
        self._check_columns(columns, len(completions))
        batch = Batch(
            texts=[completion_text(c) for c in completions],
            prompts=list(prompts) if prompts is not None else None,
            completions=completions,
            completion_ids=list(completion_ids) if completion_ids is not None else None,
            columns={k: list(v) for k, v in columns.items() if _is_column(v, len(completions))},
            log_metric=log_metric if callable(log_metric) else None,
            log_extra=log_extra if callable(log_extra) else None,
        )
        values = self.score(batch)
        values = check_values(self.__name__, values, len(completions))
        self._report(batch)
        return values

    def score(self, batch: Batch) -> list[float | None]:
        """Score a whole batch; the default calls :meth:`score_one` per row, isolating failures."""
        out: list[float | None] = []
        for i, text in enumerate(batch.texts):
            row = {name: values[i] for name, values in batch.columns.items()}
            if batch.completion_ids is not None:
                row["completion_ids"] = batch.completion_ids[i]
            try:
                out.append(self.score_one(text, row))
            except Exception as exc:  # one odd completion must not stop training
                batch.count("errors")
                logger.warning("reward %r failed on row %d: %r", self.__name__, i, exc)
                out.append(self.low)
        return out

    def score_one(self, text: str, row: dict[str, Any]) -> float | None:
        """Score one completion text; ``row`` holds that row's columns."""
        raise NotImplementedError(f"{type(self).__name__} must implement score() or score_one()")

    def _check_columns(self, columns: dict[str, Any], n: int) -> None:
        for name in self.required_columns:
            if name not in columns:
                present = ", ".join(sorted(columns)) or "none"
                raise MissingColumnError(
                    f"reward {self.__name__!r} needs the column {name!r}, which this batch lacks "
                    f"(columns present: {present}); add it to the dataset or choose another column "
                    f"with the reward's parameter"
                )
            values = columns[name]
            if not _is_column(values, n):
                raise MissingColumnError(
                    f"reward {self.__name__!r}: column {name!r} must hold one value per completion "
                    f"({n}), got {type(values).__name__}"
                    + (f" of length {len(values)}" if hasattr(values, "__len__") else "")
                )

    def _report(self, batch: Batch) -> None:
        """Send this call's counts to ``log_metric`` as ``<reward>/<what>``."""
        if batch.log_metric is None:
            for what, n in batch.counts.items():
                if n and what in ("errors", "timeouts"):
                    logger.info("reward %r: %d %s in a batch of %d", self.__name__, n, what, len(batch))
            return
        for what in sorted(set(self.reported_counts) | set(batch.counts)):
            batch.log_metric(f"{self.__name__}/{what}", float(batch.counts[what]))

    def __repr__(self) -> str:
        return f"<reward {self.__name__}>"


class CallableReward(Reward):
    """Wraps a plain reward function so that it obeys the contract (name, values, columns).

    >>> def length(completions, **kw):
    ...     return [float(len(c)) for c in completions]
    >>> r = CallableReward(length, name="length")
    >>> r(prompts=["p"], completions=["abc"]), r.__name__
    ([3.0], 'length')
    """

    def __init__(self, func: Callable[..., Sequence[Any]], name: str, required_columns: Sequence[str] = ()):
        self.func = func
        self.__name__ = name
        self.required_columns = tuple(required_columns)

    def __call__(self, prompts=None, completions=None, completion_ids=None, **kwargs):  # type: ignore[override]
        if completions is None:
            raise RewardContractError(f"reward {self.__name__!r} was called without completions=")
        columns = {k: v for k, v in kwargs.items() if k not in TRAINER_KEYWORDS}
        self._check_columns(columns, len(completions))
        values = self.func(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
        return check_values(self.__name__, values, len(completions))


def check_values(name: str, values: Any, n: int) -> list[float | None]:
    """Check a reward's output: exactly ``n`` values, each a finite float or ``None``.

    Integers and booleans become floats and NaN becomes ``None``; anything else is a
    :class:`RewardContractError` naming the reward.

    >>> check_values("acc", [1, None, 0.5, True], 4)
    [1.0, None, 0.5, 1.0]
    >>> check_values("acc", [1.0], 2)
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardContractError: reward 'acc' returned 1 values for 2 completions
    """
    try:
        values = list(values)
    except TypeError:
        raise RewardContractError(
            f"reward {name!r} must return a list of floats, got {type(values).__name__}"
        ) from None
    if len(values) != n:
        raise RewardContractError(f"reward {name!r} returned {len(values)} values for {n} completions")
    out: list[float | None] = []
    for i, v in enumerate(values):
        if v is None:
            out.append(None)
            continue
        if isinstance(v, (bool, int, float)) or type(v).__name__ in ("float32", "float64", "int64"):
            f = float(v)
            if math.isnan(f):
                out.append(None)
            elif math.isinf(f):
                raise RewardContractError(f"reward {name!r} returned {f} for completion {i}")
            else:
                out.append(f)
            continue
        raise RewardContractError(
            f"reward {name!r} returned {type(v).__name__} {v!r} for completion {i}; expected a float or None"
        )
    return out


def _is_column(values: Any, n: int) -> bool:
    return isinstance(values, (list, tuple)) and len(values) == n


class AsyncReward:
    """Wraps a reward so that TRL runs it as an ``async`` reward (concurrently with other async ones).

    The wrapped reward runs in a worker thread (``asyncio.to_thread``): TRL calls async rewards from
    its event loop on a daemon thread, so a reward must not rely on being in the main thread.

    >>> import asyncio
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> r = AsyncReward(ExactAnswer())
    >>> r.__name__, asyncio.run(r(prompts=["p"], completions=["4"], solution=["4"]))
    ('exact_answer', [1.0])
    """

    def __init__(self, reward: Callable[..., list[float | None]]) -> None:
        self.reward = reward
        self.__name__ = getattr(reward, "__name__", type(reward).__name__)
        self.spec = getattr(reward, "spec", None)
        self.required_columns = tuple(getattr(reward, "required_columns", ()) or ())

    async def __call__(self, **kwargs: Any) -> list[float | None]:
        import asyncio

        return await asyncio.to_thread(self.reward, **kwargs)

    def __repr__(self) -> str:
        return f"<async reward {self.__name__}>"
