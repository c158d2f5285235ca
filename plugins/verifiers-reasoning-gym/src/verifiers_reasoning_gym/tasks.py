"""reasoning-gym's tasks as rows: names, typed configuration parameters, and the generator.

A row is stateless: everything its scorer needs travels with it::

    {"prompt": "<the task's question>",
     "answer": "<the task's gold answer, or null where many answers are right>",
     "metadata": "<JSON: the task's metadata, with source_dataset and source_index, plus
                  source_config: the configuration fields that differ from the task's defaults>",
     "data_source": "reasoning-gym:<task>"}

Seeds: ``seed`` with ``split=train`` draws reasoning-gym items from seed ``seed * 10**7``,
``split=test`` from ``seed * 10**7 + 5 * 10**6``. reasoning-gym builds item ``i`` from its seed
plus ``i``, so the two splits never share an item index below 5,000,000 rows; tasks with few
distinct problems can still repeat a problem by chance.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import math
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from verifiers_core import DatasetParamError, Param

#: Fields of every task configuration that the dataset's own parameters set.
RESERVED_FIELDS = ("seed", "size")
SPLITS = ("train", "test")
SPLIT_STRIDE = 10**7
TEST_OFFSET = 5 * 10**6
#: reasoning-gym entries that are not tasks.
NOT_TASKS = frozenset({"composite"})


@lru_cache(maxsize=1)
def task_classes() -> dict[str, tuple[type, type]]:
    """``{task: (dataset class, config class)}`` of the installed reasoning-gym (imported here)."""
    import reasoning_gym  # noqa: F401  (registers every task)
    from reasoning_gym.factory import DATASETS

    return {name: pair for name, pair in sorted(DATASETS.items()) if name not in NOT_TASKS}


def task_names() -> list[str]:
    """Every task of the installed reasoning-gym, sorted.

    >>> "countdown" in task_names() and "composite" not in task_names()
    True
    """
    return list(task_classes())


def parse_tasks(argument: str) -> list[str]:
    """The task names of ``reasoning-gym:<argument>``; an unknown or repeated one is an error.

    >>> parse_tasks("countdown,basic_arithmetic")
    ['countdown', 'basic_arithmetic']
    >>> parse_tasks("countdwn")
    Traceback (most recent call last):
    ...
    verifiers_core.errors.DatasetParamError: reasoning-gym has no task 'countdwn' (did you mean 'countdown'?); its tasks are listed by `python -m verifiers_reasoning_gym.tasks`
    """
    names = [n.strip() for n in argument.split(",")]
    known = task_classes()
    for name in names:
        if not name:
            raise DatasetParamError(f"reasoning-gym:{argument}: an empty task name (write TASK[,TASK...])")
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DatasetParamError(
                f"reasoning-gym has no task {name!r}{hint}; its tasks are listed by "
                "`python -m verifiers_reasoning_gym.tasks`"
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DatasetParamError(f"reasoning-gym:{argument}: task {repeated[0]!r} is named twice")
    return names


# -- configuration fields as typed parameters --------------------------------------------------


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return None


def tuple_value(value: Any) -> tuple:
    """A tuple field from a YAML list (``[+, -]``)."""
    if isinstance(value, str):
        raise ValueError(f"must be a list such as [a, b], got {value!r}")
    return tuple(value)


def list_value(value: Any) -> list:
    """A list field from a YAML list."""
    if isinstance(value, str):
        raise ValueError(f"must be a list such as [a, b], got {value!r}")
    return list(value)


def mapping_value(value: Any) -> dict:
    """A dict field from a YAML mapping."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a mapping such as {{key: value}}, got {value!r}")
    return dict(value)


def date_value(value: Any) -> datetime.date:
    """A date field from ``2024-01-31``."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def time_value(value: Any) -> datetime.time:
    """A time field from ``"08:30:00"`` (YAML reads an unquoted 08:30 as a number of minutes)."""
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))


def dataclass_value(cls: type) -> Any:
    """A converter for a field holding a dataclass (e.g. ARC's board formatting): a mapping of its fields."""

    def convert(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"must be a mapping of {cls.__name__} fields, got {value!r}")
        return cls(**value)

    convert.__name__ = f"{cls.__name__} mapping"
    return convert


def any_value(value: Any) -> Any:
    """A field whose default is null: the value as YAML read it."""
    return value


def _converter(default: Any) -> type | Any:
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, str):
        return str
    if isinstance(default, tuple):
        return tuple_value
    if isinstance(default, list):
        return list_value
    if isinstance(default, dict):
        return mapping_value
    if dataclasses.is_dataclass(default) and not isinstance(default, type):
        return dataclass_value(type(default))
    if isinstance(default, datetime.datetime):
        return any_value
    if isinstance(default, datetime.date):
        return date_value
    if isinstance(default, datetime.time):
        return time_value
    return any_value


@cache
def config_fields(task: str) -> dict[str, tuple[Any, Any]]:
    """``{field: (default, converter)}`` of a task's configuration, less ``seed`` and ``size``."""
    _, config_cls = task_classes()[task]
    out = {}
    for f in dataclasses.fields(config_cls):
        if f.name in RESERVED_FIELDS or not f.init:
            continue
        default = _field_default(f)
        out[f.name] = (default, _converter(default))
    return out


def _param(name: str, task: str, default: Any, converter: Any) -> Param:
    shown = json.dumps(_jsonable(default))
    return Param(name, converter, None, f"{task} configuration; the task's default: {shown}")


def params_for(argument: str) -> list[Param]:
    """The parameters of ``reasoning-gym:<argument>``: each task's configuration fields.

    With one task, a field is set by its name (``min_numbers=3``). With several, a bare name sets
    every task that has the field, and ``TASK.FIELD`` sets one task's field.

    >>> [p.name for p in params_for("countdown")][:3]
    ['min_numbers', 'max_numbers', 'min_value']
    >>> "countdown.min_numbers" in [p.name for p in params_for("countdown,basic_arithmetic")]
    True
    """
    tasks = parse_tasks(argument)
    params: dict[str, Param] = {}
    for task in tasks:
        for name, (default, converter) in config_fields(task).items():
            if len(tasks) > 1:
                params[f"{task}.{name}"] = _param(f"{task}.{name}", task, default, converter)
            params.setdefault(name, _param(name, task, default, converter))
    return list(params.values())


def split_config(tasks: list[str], given: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per task, the configuration values the user set (``None``: left at the task's default).

    A bare field name applies to every task that has the field; ``TASK.FIELD`` to one task, and it
    wins over the bare name.

    >>> split_config(["countdown", "basic_arithmetic"], {"countdown.min_numbers": 3, "min_terms": None})
    {'countdown': {'min_numbers': 3}, 'basic_arithmetic': {}}
    """
    out: dict[str, dict[str, Any]] = {task: {} for task in tasks}
    qualified = []
    for key, value in given.items():
        if value is None:
            continue
        task, dot, name = key.partition(".")
        if dot:
            qualified.append((task, name, value))
            continue
        for target in tasks:
            if key in config_fields(target):
                out[target][key] = value
    for task, name, value in qualified:
        out[task][name] = value
    return out


def _jsonable(value: Any) -> Any:
    """A configuration value in JSON form (tuples as lists, dates and times as ISO text)."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return value


def encode_config(task: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The ``source_config`` stored in a row: the overridden fields, JSON-ready.

    >>> encode_config("countdown", {"operators": ("+", "-")})
    {'operators': ['+', '-']}
    """
    fields = config_fields(task)
    return {k: _jsonable(v) for k, v in sorted(overrides.items()) if k in fields and v != fields[k][0]}


def decode_config(task: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`encode_config`: values converted back to the fields' types.

    >>> decode_config("countdown", {"operators": ["+", "-"]})
    {'operators': ('+', '-')}
    """
    fields = config_fields(task)
    out = {}
    for key, value in stored.items():
        if key not in fields:
            raise ValueError(f"reasoning-gym task {task!r} has no configuration field {key!r}")
        converter = fields[key][1]
        out[key] = converter(value) if converter not in (int, float, str, bool) else value
    return out


def build_dataset(task: str, overrides: dict[str, Any], seed: int, size: int) -> Any:
    """A reasoning-gym dataset object; a configuration it refuses is a :class:`DatasetParamError`."""
    dataset_cls, config_cls = task_classes()[task]
    try:
        config = config_cls(**overrides, seed=seed, size=size)
        if hasattr(config, "validate"):
            config.validate()
        return dataset_cls(config=config)
    except (AssertionError, ValueError, TypeError) as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in overrides.items()) or "its defaults"
        raise DatasetParamError(
            f"reasoning-gym:{task} refuses the configuration {given}: {type(exc).__name__}: {exc}"
        ) from None


def stream_seed(seed: int, split: str) -> int:
    """The reasoning-gym seed of a split (see the module docstring).

    >>> stream_seed(0, "train"), stream_seed(0, "test"), stream_seed(2, "train")
    (0, 5000000, 20000000)
    """
    return seed * SPLIT_STRIDE + (TEST_OFFSET if split == "test" else 0)


def reasoning_gym_rows(
    argument: str, size: int = 1000, seed: int = 0, split: str = "train", **config: Any
) -> list[dict[str, Any]]:
    """Rows of ``reasoning-gym:<argument>``: ``size`` rows in all, the tasks taking turns.

    >>> rows = reasoning_gym_rows("basic_arithmetic,chain_sum", size=3, seed=1)
    >>> [json.loads(r["metadata"])["source_dataset"] for r in rows]
    ['basic_arithmetic', 'chain_sum', 'basic_arithmetic']
    >>> sorted(rows[0]), rows[0]["data_source"]
    (['answer', 'data_source', 'metadata', 'prompt'], 'reasoning-gym:basic_arithmetic')
    """
    if split not in SPLITS:
        raise DatasetParamError(f"reasoning-gym: split must be one of {SPLITS}, got {split!r}")
    tasks = parse_tasks(argument)
    per_task = split_config(tasks, config)
    count = math.ceil(size / len(tasks))
    base = stream_seed(seed, split)
    datasets = {task: build_dataset(task, per_task[task], base, count) for task in tasks}
    stored = {task: encode_config(task, per_task[task]) for task in tasks}
    rows = []
    for i in range(size):
        task = tasks[i % len(tasks)]
        item = datasets[task][i // len(tasks)]
        rows.append(make_row(task, item, stored[task]))
    return rows


def make_row(task: str, item: dict[str, Any], source_config: dict[str, Any]) -> dict[str, Any]:
    """One stateless row from a reasoning-gym item (see the module docstring)."""
    metadata = dict(item.get("metadata") or {})
    metadata.setdefault("source_dataset", task)
    metadata["source_config"] = source_config
    try:
        encoded = json.dumps(metadata, ensure_ascii=False, allow_nan=False, default=_jsonable_or_fail)
    except (TypeError, ValueError) as exc:
        raise DatasetParamError(
            f"reasoning-gym:{task}: an item's metadata is not JSON data ({exc})"
        ) from None
    answer = item.get("answer")
    return {
        "prompt": item["question"],
        "answer": answer if answer is None or isinstance(answer, str) else str(answer),
        "metadata": encoded,
        "data_source": f"reasoning-gym:{task}",
    }


def _jsonable_or_fail(value: Any) -> Any:
    """What JSON cannot hold, as JSON: dates as ISO text, sets as sorted lists, numpy values as Python
    ones, exact numbers (``Fraction``, ``Decimal``) as their text (``"2/3"``)."""
    import decimal
    import fractions

    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (fractions.Fraction, decimal.Decimal)):
        return str(value)
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} {value!r:.60}")


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m verifiers_reasoning_gym.tasks``: print every task name."""
    for name in task_names():
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
