"""Hook specifications: the reference for plugin authors.

A plugin is a module exposed through the ``verifiers_core`` entry-point group of its distribution::

    # pyproject.toml of your distribution
    [project.entry-points.verifiers_core]
    myplugin = "my_package.plugin"

The module implements one or more of the hooks below, marked with :data:`hookimpl`::

    import verifiers_core

    @verifiers_core.hookimpl
    def register_rewards(register):
        register("shout", make_shout, description="1.0 if the answer is in capitals")

The entry-point name (``myplugin`` above) is the plugin's name: its rewards answer to
``myplugin/shout`` as well as to the bare ``shout``.
"""

from __future__ import annotations

import pluggy

#: The pluggy project name, which is also the entry-point group.
PROJECT_NAME = "verifiers_core"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Decorator for plugin hook implementations, e.g. ``@verifiers_core.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_rewards(register) -> None:  # type: ignore[no-untyped-def]
    """Register the rewards this plugin provides.

    Call ``register`` once for each reward::

        register(
            name,                 # str: the bare name, letters, digits, "_" and "-"
            factory,              # callable(**params) -> reward, or "module:attribute" imported on first use
            description="...",    # one line shown by `python -m verifiers_core list`
            params=[Param(...)],  # typed parameters with defaults and validation
        )

    ``factory`` is called with the validated parameters as keyword arguments and returns the reward:
    either an instance of :class:`verifiers_core.Reward` (recommended: it handles plain and
    conversational completions, missing columns and metric logging for you) or any callable with
    TRL's reward signature ``f(prompts=..., completions=..., completion_ids=..., **columns)``
    returning one ``float`` or ``None`` per completion; a plain callable is wrapped so that it obeys
    the same contract.

    Keep the module that implements this hook light: import heavy dependencies (sympy, torch, ...)
    inside the factory, or give the factory as a ``"module:attribute"`` string, so that listing
    rewards stays fast.
    """
