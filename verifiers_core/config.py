"""A reward's parameters declared once: a frozen config dataclass whose fields carry help and bounds.

A reward that registers ``config=SomeConfig`` has its parameters in one place. The registry derives
the :class:`~verifiers_core.params.Param` list that ``list`` shows and ``bind_params`` checks from the
fields (as reasoning-gym derives a generator's options from its ``config_cls``), builds the validated
config and passes it to the factory; the reward's constructor keeps it and validates nothing itself.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class OverlongConfig(RewardConfig):
...     max_length: int = option(512, "tokens at which the penalty is full", min=1)
...     penalty: float = option(1.0, "the penalty at max_length", min=0)
>>> [(p.name, p.default) for p in OverlongConfig.params()]
[('max_length', 512), ('penalty', 1.0)]
>>> OverlongConfig.build("overlong", {"max_length": "256"})
OverlongConfig(max_length=256, penalty=1.0)
>>> OverlongConfig(max_length=0)
Traceback (most recent call last):
...
ValueError: parameter 'max_length': must be at least 1, got 0 (accepts an integer >= 1)

The field's annotation gives the type (``int``, ``float``, ``str``, ``bool``; ``X | None`` with a
``None`` default for an optional one; ``Literal[...]`` for a fixed set of strings). Checks between
fields go in :meth:`RewardConfig.problem`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from .errors import RewardParamError
from .params import Param, check_param_names

ConfigT = TypeVar("ConfigT", bound="RewardConfig")

_PARAM_KEY = "verifiers_core.param"


def option(
    default: Any,
    help: str = "",
    *,
    choices: Sequence[Any] | None = None,
    min: float | None = None,
    max: float | None = None,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A config field: its default, the help ``list`` shows, and the values it accepts.

    ``choices``, ``min``, ``max`` and ``check`` mean what they mean on :class:`Param`.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class C(RewardConfig):
    ...     mode: str = option("strict", "how strict", choices=("strict", "lenient"))
    >>> C.params()[0].accepts
    "one of 'strict', 'lenient'"
    """
    spec = {"help": help, "choices": tuple(choices) if choices is not None else None}
    spec.update(min=min, max=max, check=check)
    return dataclasses.field(default=default, metadata={_PARAM_KEY: spec})


def option_from(param: Param) -> Any:
    """A config field for a parameter the core declares once for every reward (e.g. ``THINK_OPENED``).

    >>> from dataclasses import dataclass
    >>> from verifiers_core.params import THINK_OPENED
    >>> @dataclass(frozen=True)
    ... class C(RewardConfig):
    ...     think_opened: str = option_from(THINK_OPENED)
    >>> C.params()[0] == THINK_OPENED
    True
    """
    return option(
        param.default, param.help, choices=param.choices, min=param.min, max=param.max, check=param.check
    )


@dataclasses.dataclass(frozen=True)
class RewardConfig:
    """Base class of reward configs: fields made with :func:`option`, validated when built.

    Building one (directly, by :meth:`build` or by the registry) coerces and checks every field
    against its declaration, then runs :meth:`problem`; a bad value raises ``ValueError`` naming the
    parameter. Instances are frozen: a reward's settings cannot drift after it is built.

    >>> RewardConfig.params()
    ()
    """

    @classmethod
    def params(cls) -> tuple[Param, ...]:
        """The registry's parameters, one per field, in field order (cached per class).

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class C(RewardConfig):
        ...     limit: int | None = option(None, "at most this many", min=1)
        >>> C.params()[0].accepts
        'an integer >= 1 or null'
        """
        cached = cls.__dict__.get("_params_cache")
        if cached is None:
            hints = typing.get_type_hints(cls)  # once per class: it evaluates every annotation
            cached = tuple(_param_of(cls, f, hints[f.name]) for f in dataclasses.fields(cls))
            setattr(cls, "_params_cache", cached)  # noqa: B010 (a plain class attribute, not a field)
        return cached

    @classmethod
    def build(
        cls: type[ConfigT], reward: str, given: Mapping[str, Any] | None = None, /, **params: Any
    ) -> ConfigT:
        """The config for ``reward`` from user values (strings read as YAML scalars, defaults filled in).

        Errors are :class:`~verifiers_core.RewardParamError` naming the reward and the parameter.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class C(RewardConfig):
        ...     n: int = option(3, "n-gram size", min=1)
        >>> C.build("repetition", n="4")
        C(n=4)
        >>> C.build("repetition", {"m": 1})
        Traceback (most recent call last):
        ...
        verifiers_core.errors.RewardParamError: reward 'repetition' has no parameter 'm'; its parameters: n
        """
        values = {**(given or {}), **params}
        check_param_names(reward, cls.params(), values)
        try:
            return cls(**values)  # __post_init__ coerces and checks each field, then problem()
        except ValueError as exc:
            raise config_error(reward, exc) from None

    @classmethod
    def resolve(
        cls: type[ConfigT], reward: str, config: ConfigT | None, params: Mapping[str, Any]
    ) -> ConfigT:
        """What a reward's constructor keeps: the registry's validated ``config``, or one built from
        keyword ``params`` when the reward is constructed directly (never both).

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class C(RewardConfig):
        ...     n: int = option(3, "n-gram size", min=1)
        >>> C.resolve("repetition", None, {"n": 2}), C.resolve("repetition", C(5), {})
        (C(n=2), C(n=5))
        """
        if config is None:
            return cls.build(reward, params)
        if not isinstance(config, cls):
            raise TypeError(f"{reward}: expected a {cls.__name__}, got {type(config).__name__}")
        if params:
            raise TypeError(f"{reward}: pass a {cls.__name__} or parameters, not both")
        return config

    def problem(self) -> str | None:
        """A problem between fields (``min`` above ``max``, say) in words, or ``None``. Override it."""
        return None

    def replace(self: ConfigT, **changes: Any) -> ConfigT:
        """A copy with ``changes``, validated like any other.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class C(RewardConfig):
        ...     n: int = option(3, "n-gram size", min=1)
        >>> C().replace(n=4)
        C(n=4)
        """
        return dataclasses.replace(self, **changes)

    def __post_init__(self) -> None:
        for param in type(self).params():
            value = getattr(self, param.name)
            try:
                coerced = param.coerce(value)
            except ValueError as exc:
                raise ValueError(f"parameter {param.name!r}: {exc} (accepts {param.accepts})") from None
            if coerced is not value:
                object.__setattr__(self, param.name, coerced)  # frozen: set once, while building
        problem = self.problem()
        if problem:
            raise ValueError(problem)


def config_error(reward: str, exc: ValueError) -> RewardParamError:
    """A config's ``ValueError`` as the registry's error, naming the reward (and the parameter,
    when the message starts with one, in the words of :func:`~verifiers_core.params.bind_params`).

    >>> str(config_error("overlong", ValueError("parameter 'buffer': must be smaller")))
    "reward 'overlong', parameter 'buffer': must be smaller"
    """
    text = str(exc)
    return RewardParamError(f"reward {reward!r}{', ' if text.startswith('parameter ') else ': '}{text}")


def _param_of(cls: type, f: dataclasses.Field, annotation: Any) -> Param:
    """The :class:`Param` a config field declares (type from its resolved ``annotation``)."""
    spec = dict(f.metadata.get(_PARAM_KEY) or {})
    if not spec:
        raise TypeError(f"{cls.__name__}.{f.name}: declare config fields with verifiers_core.option()")
    kind, choices = _kind_of(annotation, f"{cls.__name__}.{f.name}")
    if spec["choices"] is None:
        spec["choices"] = choices
    return Param(f.name, kind, f.default, **spec)


def _kind_of(annotation: Any, where: str) -> tuple[type, tuple[Any, ...] | None]:
    """``(type, choices)`` from a field's annotation.

    >>> _kind_of(int | None, "C.n"), _kind_of(Literal["a", "b"], "C.m")
    ((<class 'int'>, None), (<class 'str'>, ('a', 'b')))
    """
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _kind_of(rest[0], where)
    elif origin is Literal:
        values = typing.get_args(annotation)
        return type(values[0]), tuple(values)
    elif isinstance(annotation, type):
        return annotation, None
    raise TypeError(f"{where}: a reward parameter must be int, float, str, bool, X | None or Literal")


__all__ = ["RewardConfig", "config_error", "option", "option_from"]
