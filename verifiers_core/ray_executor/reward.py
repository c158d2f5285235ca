"""The remote reward: a :class:`~verifiers_core.Reward` whose rows are scored by the reward actors.

It keeps the reward contract: the wrapped reward's ``__name__`` (TRL's ``rewards/<name>/mean``), TRL's
keyword call, one value per completion in order, counters through ``log_metric`` (the reward's own,
0 included, plus ``ray_retries``, ``ray_timeouts``, ``ray_actor_restarts``, chunk latency and queue
depth per actor), ``log_extra`` columns, :meth:`evaluate` returning
``Scored(values, counts, row_counts)``, and pickling (as its selection, rebuilt in the new process).

:class:`AsyncRayReward` is the ``async`` form: TRL gathers async rewards concurrently, so the remote
work of several rewards overlaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..executor import ExecutorChoice
from ..reward import TRAINER_KEYWORDS, Batch, Reward, Scored
from ..suite import SuiteSpec, get_suite
from .calls import CallResult, Payload
from .dispatch import RayExecutor, get_executor

#: Executor counters reported at every call (0 included, so their means stay honest).
RAY_COUNTS = ("ray_retries", "ray_timeouts", "ray_actor_restarts")


class RayReward(Reward):
    """Reward ``index`` of ``spec``, scored on the reward actors of ``choice``'s cluster.

    ``local`` is the same reward built in this process: it gives the name, the columns to check and
    the timeout value, and never scores a row itself.
    """

    def __init__(self, local: Any, index: int, spec: SuiteSpec, choice: ExecutorChoice) -> None:
        self.local = local
        self.index = int(index)
        self.suite_spec = spec.local()
        self.choice = choice
        self.__name__ = getattr(local, "__name__", type(local).__name__)
        self.spec = getattr(local, "spec", None)
        self.required_columns = tuple(getattr(local, "required_columns", ()) or ())
        self.low = float(getattr(local, "low", 0.0))
        self.reported_counts = tuple(getattr(local, "reported_counts", ("errors",))) + RAY_COUNTS
        self.grades_answer = bool(getattr(local, "grades_answer", False))
        self.think_opened = getattr(local, "think_opened", "auto")
        self.max_completion_chars = getattr(local, "max_completion_chars", self.max_completion_chars)

    @property
    def executor(self) -> RayExecutor:
        """This process's executor for the selection (started on first use)."""
        return get_executor(self.suite_spec, self.choice)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.suite_spec, self.choice, self.index))

    def evaluate(
        self,
        completions: Sequence[Any],
        *,
        prompts: Sequence[Any] | None = None,
        completion_ids: Sequence[Sequence[int]] | None = None,
        columns: dict[str, Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
    ) -> Scored:
        """Score on the cluster like :meth:`Reward.evaluate` scores here (same values, same counters)."""
        payload = self._payload(completions, prompts, completion_ids, columns)
        result = self.executor.run(self.index, self.local, payload)
        return self._finish(result, log_metric, log_extra)

    async def evaluate_async(
        self,
        completions: Sequence[Any],
        *,
        prompts: Sequence[Any] | None = None,
        completion_ids: Sequence[Sequence[int]] | None = None,
        columns: dict[str, Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
    ) -> Scored:
        """:meth:`evaluate`, awaited: the calling loop stays free while the actors work."""
        payload = self._payload(completions, prompts, completion_ids, columns)
        result = await self.executor.run_async(self.index, self.local, payload)
        return self._finish(result, log_metric, log_extra)

    def _payload(
        self,
        completions: Sequence[Any],
        prompts: Sequence[Any] | None,
        completion_ids: Sequence[Sequence[int]] | None,
        columns: dict[str, Any] | None,
    ) -> Payload:
        completions = list(completions)
        columns = {k: (list(v) if isinstance(v, tuple) else v) for k, v in (columns or {}).items()}
        self._check_columns(columns, len(completions))  # the user's error, before anything is sent
        return Payload(
            completions,
            list(prompts) if prompts is not None else None,
            [list(ids) for ids in completion_ids] if completion_ids is not None else None,
            columns,
        )

    def _finish(
        self,
        result: CallResult,
        log_metric: Callable[[str, float], None] | None,
        log_extra: Callable[[str, list], None] | None,
    ) -> Scored:
        if log_extra is not None:
            for column, values in result.extras.items():
                log_extra(column, values)
        if log_metric is not None:
            self._report(Batch(texts=[], counts=result.counts, log_metric=log_metric))
            for name, value in result.metrics.items():
                log_metric(name, float(value))
        return Scored(result.values, result.counts, result.row_counts)

    def __repr__(self) -> str:
        return f"<reward {self.__name__} on Ray>"


class AsyncRayReward(RayReward):
    """The ``async`` form of :class:`RayReward`, for TRL's concurrent gathering of async rewards."""

    async def __call__(  # type: ignore[override]
        self,
        prompts: list[Any] | None = None,
        completions: list[Any] | None = None,
        completion_ids: list[list[int]] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        if completions is None:
            from ..errors import RewardContractError

            raise RewardContractError(f"reward {self.__name__!r} was called without completions=")
        log_metric, log_extra = kwargs.get("log_metric"), kwargs.get("log_extra")
        scored = await self.evaluate_async(
            completions,
            prompts=prompts,
            completion_ids=completion_ids,
            columns={k: v for k, v in kwargs.items() if k not in TRAINER_KEYWORDS},
            log_metric=log_metric if callable(log_metric) else None,
            log_extra=log_extra if callable(log_extra) else None,
        )
        return scored.values

    def __repr__(self) -> str:
        return f"<async reward {self.__name__} on Ray>"


def _rebuild(cls: type, spec: SuiteSpec, choice: ExecutorChoice, index: int) -> RayReward:
    """Unpickling: build the selection here (cheap: pools start on first use) and wrap it again."""
    local = get_suite(spec.local()).rewards[index]
    return cls(local, index, spec, choice)


def wrap_rewards(
    rewards: Sequence[Any], spec: SuiteSpec, choice: ExecutorChoice, *, asynchronous: bool = False
) -> list[RayReward]:
    """One remote reward per built reward of ``spec`` (same order); ``asynchronous`` gives the async form.

    Nothing is sent anywhere until the first call (or ``executor.start()``):

    >>> from verifiers_core.suite import SuiteSpec
    >>> spec = SuiteSpec.from_options("format", executor="ray", ray_address="10.0.0.1:6379")
    >>> [(r.__name__, type(r).__name__) for r in wrap_rewards(spec.local().build().rewards, spec, spec.executor)]
    [('format', 'RayReward')]
    """
    cls = AsyncRayReward if asynchronous else RayReward
    return [cls(local, i, spec, choice) for i, local in enumerate(rewards)]


__all__ = ["RAY_COUNTS", "AsyncRayReward", "RayReward", "wrap_rewards"]
