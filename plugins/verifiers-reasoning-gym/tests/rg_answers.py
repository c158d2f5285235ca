"""A right answer for any reasoning-gym row, for the tests.

Most rows carry their gold in ``answer``. Tasks with many right answers leave it empty; for them an
answer is taken from the metadata (an example the task stores) or found here by a small solver
(``rush_hour``: breadth-first search over moves; ``boxnet``: walk each box to a target of its colour).
"""

from __future__ import annotations

import copy
import json
from collections import deque
from typing import Any

#: Configuration for the tests' rows where the default makes them slow to solve here.
TEST_CONFIG = {"rush_hour": {"max_moves": 6}}


def own_answer(row: dict[str, Any]) -> str:
    """A right answer to ``row`` (a ``reasoning-gym:<task>`` row)."""
    metadata = json.loads(row["metadata"])
    task = metadata["source_dataset"]
    if row["answer"] is not None:
        return row["answer"]
    if task == "graph_color":
        return json.dumps(metadata["possible_answer"])
    if task == "propositional_logic":
        return metadata["example_answer"]
    if task == "rubiks_cube":
        return metadata["example_correct_answer"]
    if task == "rush_hour":
        return solve_rush_hour(metadata["board_config"])
    if task == "boxnet":
        return json.dumps(plan_boxnet(metadata["initial_state"]))
    raise AssertionError(f"no right answer known for task {task!r}: add one to rg_answers.py")


def solve_rush_hour(board_config: str) -> str:
    """Moves such as ``"A+2 B-1"`` that free the red car, by breadth-first search."""
    from reasoning_gym.games.rush_hour import Board

    start = Board(board_config)

    def state(board: Board) -> tuple[int, ...]:
        return tuple(p.position for p in board._pieces)

    seen = {state(start)}
    queue = deque([(start, [])])
    while queue:
        board, moves = queue.popleft()
        if board.solved:
            return " ".join(moves)
        for i, piece in enumerate(board._pieces):
            if piece.fixed:
                continue
            label = chr(ord("A") + i)
            for steps in (-4, -3, -2, -1, 1, 2, 3, 4):
                after = copy.deepcopy(board)
                after.move(label, steps)
                key = state(after)
                if key not in seen:
                    seen.add(key)
                    queue.append((after, [*moves, f"{label}{'+' if steps > 0 else '-'}{abs(steps)}"]))
    raise AssertionError(f"rush hour board {board_config} has no solution")


def plan_boxnet(initial_state: dict[str, list[str]]) -> list[dict[str, str]]:
    """One action per step: each box walks (rows first, then columns) to a target of its colour."""
    state = copy.deepcopy(initial_state)
    plan: list[dict[str, str]] = []

    def coords(key: str) -> tuple[float, float]:
        a, b = key.split("_")
        return float(a), float(b)

    for key in list(state):
        for item in list(state[key]):
            if not item.startswith("box_") or item not in state[key]:
                continue
            colour = item[4:]
            target = next(k for k, items in state.items() if f"target_{colour}" in items)
            here, goal = coords(key), coords(target)
            while here != goal:
                step = (
                    (here[0] + (1 if goal[0] > here[0] else -1), here[1])
                    if here[0] != goal[0]
                    else (here[0], here[1] + (1 if goal[1] > here[1] else -1))
                )
                plan.append({f"Agent[{here[0]}, {here[1]}]": f"move({item}, square[{step[0]}, {step[1]}])"})
                state[f"{here[0]}_{here[1]}"].remove(item)
                state[f"{step[0]}_{step[1]}"].append(item)
                here = step
            plan.append({f"Agent[{goal[0]}, {goal[1]}]": f"move({item}, target_{colour})"})
            state[target].remove(item)
            state[target].remove(f"target_{colour}")
    return plan
