"""Typed reward parameters with defaults and validation."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RewardParamError

_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


@dataclass(frozen=True)
class Param:
    """One parameter of a reward: its name, type, default and accepted values.

    ``type`` is ``int``, ``float``, ``str`` or ``bool``. ``default=None`` makes the parameter
    optional (``None`` is then accepted). ``choices``, ``min`` and ``max`` restrict the value;
    ``check`` is an extra validator that returns an error message or ``None``.

    >>> p = Param("timeout", float, 5.0, "seconds per answer", min=0.1)
    >>> p.coerce("2")
    2.0
    >>> p.coerce("-1")
    Traceback (most recent call last):
    ...
    ValueError: must be at least 0.1, got -1.0
    """

    name: str
    type: type = str
    default: Any = None
    help: str = ""
    choices: Sequence[Any] | None = None
    min: float | None = None
    max: float | None = None
    check: Callable[[Any], str | None] | None = field(default=None, compare=False, repr=False)

    @property
    def accepts(self) -> str:
        """Describe in words what this parameter accepts.

        >>> Param("mode", str, "strict", choices=["strict", "lenient"]).accepts
        "one of 'strict', 'lenient'"
        """
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        words = _TYPE_NAMES.get(self.type, self.type.__name__)
        if self.min is not None and self.max is not None:
            words += f" from {self.min} to {self.max}"
        elif self.min is not None:
            words += f" >= {self.min}"
        elif self.max is not None:
            words += f" <= {self.max}"
        if self.default is None:
            words += " or null"
        return words

    def coerce(self, value: Any) -> Any:
        """Convert ``value`` (a Python value or a string read as a YAML scalar) to this type.

        Raises ``ValueError`` with a short reason; the registry adds the reward and parameter names.

        >>> Param("n", int, 3).coerce("4")
        4
        >>> Param("strict", bool, False).coerce("true")
        True
        """
        if isinstance(value, str) and self.type is not str:
            value = _read_scalar(value)
        if value is None:
            if self.default is None:
                return None
            raise ValueError("must not be null")
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false, got {value!r}")
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ValueError(f"must be an integer, got {value!r}")
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"must be a number, got {value!r}")
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"must be a finite number, got {value!r}")
        elif self.type is str:
            if not isinstance(value, str):
                # YAML read `accuracy.column=123` as an int; a string parameter keeps its text.
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = str(value)
                else:
                    raise ValueError(f"must be a string, got {value!r}")
        else:
            try:
                value = self.type(value)
            except Exception as exc:  # a custom converter: report its reason
                raise ValueError(f"must be {self.accepts}: {exc}") from None
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be {self.accepts}, got {value!r}")
        if self.min is not None and value < self.min:
            raise ValueError(f"must be at least {self.min}, got {value!r}")
        if self.max is not None and value > self.max:
            raise ValueError(f"must be at most {self.max}, got {value!r}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ValueError(problem)
        return value

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description, as shown by ``list --json``.

        >>> Param("n", int, 3, "n-gram size", min=1).to_dict()["type"]
        'int'
        """
        out: dict[str, Any] = {
            "name": self.name,
            "type": getattr(self.type, "__name__", str(self.type)),
            "default": self.default,
            "help": self.help,
            "accepts": self.accepts,
        }
        if self.choices is not None:
            out["choices"] = list(self.choices)
        return out


def _read_scalar(text: str) -> Any:
    """Read a command-line value as a YAML scalar (``2`` -> 2, ``true`` -> True, ``null`` -> None).

    >>> _read_scalar("0.5"), _read_scalar("null"), _read_scalar("[1")
    (0.5, None, '[1')
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def check_param_names(
    reward: str,
    params: Sequence[Param],
    given: Mapping[str, Any],
    *,
    kind: str = "reward",
    error: type[Exception] = RewardParamError,
) -> None:
    """Refuse a name in ``given`` that no parameter has, suggesting the closest one.

    >>> check_param_names("overlong", [Param("max_length", int, 512)], {"max_len": 1})
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardParamError: reward 'overlong' has no parameter 'max_len' (did you mean 'max_length'?); its parameters: max_length
    """
    names = [p.name for p in params]
    unknown = [k for k in given if k not in names]
    if unknown:
        import difflib

        key = unknown[0]
        close = difflib.get_close_matches(key, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = ", ".join(names) or "none"
        raise error(f"{kind} {reward!r} has no parameter {key!r}{hint}; its parameters: {known}")


def bind_params(
    reward: str,
    params: Sequence[Param],
    given: Mapping[str, Any],
    *,
    kind: str = "reward",
    error: type[Exception] = RewardParamError,
) -> dict[str, Any]:
    """Validate ``given`` against ``params`` and fill in defaults.

    Errors name the reward (or, with ``kind="dataset"``, the dataset), the parameter and what it
    accepts, as ``error``.

    >>> bind_params("overlong", [Param("max_length", int, 512, min=1)], {"max_length": "256"})
    {'max_length': 256}
    >>> bind_params("overlong", [Param("max_length", int, 512)], {"max_len": 1})
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardParamError: reward 'overlong' has no parameter 'max_len' (did you mean 'max_length'?); its parameters: max_length
    """
    check_param_names(reward, params, given, kind=kind, error=error)
    bound: dict[str, Any] = {}
    for p in params:
        if p.name not in given:
            bound[p.name] = p.default
            continue
        try:
            bound[p.name] = p.coerce(given[p.name])
        except ValueError as exc:
            raise error(f"{kind} {reward!r}, parameter {p.name!r}: {exc} (accepts {p.accepts})") from None
    return bound


#: The answer-region parameter every answer-grading reward declares (see :mod:`verifiers_core.text`).
THINK_OPENED = Param(
    "think_opened",
    str,
    "auto",
    "who opens <think>: 'completion' (the model writes it), 'prompt' (the prompt or chat template "
    "already ends with it, as R1-distill, Qwen3 and QwQ templates do), 'auto' (per row: the prompt "
    "text, or a final assistant message, ends with <think>). A completion that never closes the "
    "reasoning has no answer",
    choices=("auto", "completion", "prompt"),
)


#: The size bound every reward accepts (``--reward-arg NAME.max_completion_chars=N``); the registry
#: applies it to the built reward (:attr:`verifiers_core.Reward.max_completion_chars`).
MAX_COMPLETION_CHARS_PARAM = Param(
    "max_completion_chars",
    int,
    None,
    "completions longer than this many characters are refused before any parsing: they get the "
    "reward's no-answer value and are counted as <reward>/oversized (null: the reward's own bound, "
    "1,000,000 characters for the built-in rewards)",
    min=1,
)

#: Parameters that every reward accepts, declared once here rather than by each plugin. The
#: registry validates them with the reward's own and sets them as attributes of the built reward
#: (a plugin that declares a parameter of the same name receives it in its factory instead).
COMMON_PARAMS: tuple[Param, ...] = (MAX_COMPLETION_CHARS_PARAM,)
