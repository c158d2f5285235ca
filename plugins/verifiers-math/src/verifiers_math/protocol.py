"""The messages between the pool (in the trainer's process) and a grading worker.

JSON both ways, fields named in words, so that a worker subverted by a crafted answer (sympy's
``parse_expr`` evaluates code) cannot make the trainer unpickle anything, and so that the protocol reads
on its own. One message per ``send_bytes`` on the worker's socket.

Pool to worker, one **task**: a gold, the tolerance for decimals, and the items to grade against it::

    {"gold": "\\\\frac{1}{2}", "tolerance": 1e-06, "items": [{"index": 7, "parts": ["0.5"]}]}

Worker to pool, in order: ``{"kind": "hello", "pid": 123}`` once after the fork; then per task one
``{"kind": "gold", "usable": true, "reason": ""}`` (``reason``: ``unparsed``, ``memory`` or ``error`` when not
usable) and, if usable, one per item, in order::

    {"kind": "result", "index": 7, "verdict": 1, "parsed": true, "shown": "0.5", "memory": false}

so that the pool can time each step (the gold, each item) from the end of the previous one.

>>> task = Task("2", [Item(0, ["1+1"])])
>>> Task.decode(task.encode()) == task
True
>>> decode(result(0, 1, True, "1+1"))["verdict"]
1
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .compare import DEFAULT_TOLERANCE


@dataclass
class Item:
    """One answer to grade: the caller's row ``index`` and the answer's ``parts`` (all must equal the gold)."""

    index: int
    parts: list[str]


@dataclass
class Task:
    """A gold answer and the items to grade against it."""

    gold: str
    items: list[Item] = field(default_factory=list)
    tolerance: float = DEFAULT_TOLERANCE

    def encode(self) -> bytes:
        return json.dumps(
            {
                "gold": self.gold,
                "tolerance": self.tolerance,
                "items": [{"index": item.index, "parts": item.parts} for item in self.items],
            }
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Task:
        raw = json.loads(data)
        items = [Item(int(item["index"]), [str(p) for p in item["parts"]]) for item in raw["items"]]
        return cls(str(raw["gold"]), items, float(raw.get("tolerance", DEFAULT_TOLERANCE)))


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def hello(pid: int) -> bytes:
    """The worker is forked and waits for tasks."""
    return _encode({"kind": "hello", "pid": pid})


def gold_status(usable: bool, reason: str = "") -> bytes:
    """Whether the task's gold could be parsed (``reason``: ``unparsed``, ``memory``, ``error``)."""
    return _encode({"kind": "gold", "usable": usable, "reason": reason})


def result(index: int, verdict: int, parsed: bool, shown: str, memory: bool = False) -> bytes:
    """The verdict on one item; ``memory``: grading it hit the worker's memory cap."""
    return _encode(
        {
            "kind": "result",
            "index": index,
            "verdict": verdict,
            "parsed": parsed,
            "shown": shown,
            "memory": memory,
        }
    )


def decode(data: bytes) -> dict[str, Any]:
    """A worker's message as a dict; ``ValueError`` if it is not one of the messages above."""
    message = json.loads(data)
    if not isinstance(message, dict) or message.get("kind") not in ("hello", "gold", "result"):
        raise ValueError(f"not a worker message: {data[:80]!r}")
    return message
