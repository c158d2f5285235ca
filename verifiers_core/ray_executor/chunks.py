"""Cutting one reward call into chunks that never split a GRPO group.

TRL repeats each prompt's row ``num_generations`` times, consecutively: the completions of one
group share the prompt and every column (the gold, the tests). A chunk is a run of whole groups, so
the actor that grades it parses the group's gold or tests once, as in-process scoring does.
Pure Python; nothing here imports Ray.

>>> plan_chunks(6, ["a", "a", "b", "b", "c", "c"], {"gold": [1, 1, 2, 2, 3, 3]}, target_rows=3)
[range(0, 2), range(2, 4), range(4, 6)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def group_starts(n: int, prompts: Sequence[Any] | None, columns: Mapping[str, Sequence[Any]]) -> list[int]:
    """Indices where a new group begins: a row whose prompt or any column differs from the row before.

    >>> group_starts(5, ["p", "p", "q", "q", "q"], {"gold": ["1", "1", "2", "2", "3"]})
    [0, 2, 4]
    >>> group_starts(3, None, {})
    [0]
    """
    if n <= 0:
        return []
    keys = [list(prompts)] if prompts is not None and len(prompts) == n else []
    keys += [list(values) for values in columns.values() if len(values) == n]
    starts = [0]
    for i in range(1, n):
        if any(_differs(values[i], values[i - 1]) for values in keys):
            starts.append(i)
    return starts


def _differs(a: Any, b: Any) -> bool:
    if a is b:
        return False
    try:
        return bool(a != b)
    except Exception:  # an odd object whose comparison fails: treat as a new group
        return True


def plan_chunks(
    n: int, prompts: Sequence[Any] | None, columns: Mapping[str, Sequence[Any]], target_rows: int
) -> list[range]:
    """Consecutive row ranges of about ``target_rows`` rows, each made of whole groups (a group
    larger than the target is a chunk of its own). Every row is in exactly one range, in order.

    >>> plan_chunks(5, ["p"] * 4 + ["q"], {}, target_rows=2)
    [range(0, 4), range(4, 5)]
    >>> plan_chunks(4, ["a", "b", "c", "d"], {}, target_rows=3)
    [range(0, 3), range(3, 4)]
    """
    target_rows = max(1, int(target_rows))
    starts = group_starts(n, prompts, columns)
    chunks: list[range] = []
    begin = 0
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else n
        if start > begin and end - begin > target_rows:
            chunks.append(range(begin, start))
            begin = start
    if n > begin:
        chunks.append(range(begin, n))
    return chunks


def auto_chunk_rows(n: int, actors: int, per_actor: int = 4) -> int:
    """Rows per chunk when not told: about ``per_actor`` chunks for each actor, so a slow chunk
    leaves others to balance the load, while each chunk stays big enough to keep a node's pool busy.

    >>> auto_chunk_rows(1024, 4), auto_chunk_rows(10, 8), auto_chunk_rows(0, 2)
    (64, 1, 1)
    """
    return max(1, math.ceil(n / max(1, actors * per_actor)))


__all__ = ["auto_chunk_rows", "group_starts", "plan_chunks"]
