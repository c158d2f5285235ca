"""Cheap checks that run before any model loads: batch shape, the model path, the output directory,
the reward executor."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from typing import Any

from .errors import TrainerConfigError

# A hub id is "name" or "owner/name" with the characters the Hub allows.
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


def world_size() -> int:
    """Processes in this run, as ``accelerate launch`` / ``torchrun`` announce them (1 otherwise).

    >>> world_size() >= 1
    True
    """
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def check_batch(grpo: dict[str, Any], processes: int | None = None) -> None:
    """Refuse a generation batch that does not hold whole groups of ``num_generations`` completions.

    Mirrors TRL's own rule (``GRPOConfig.__post_init__``) with a message that says which settings to change.

    >>> check_batch({"per_device_train_batch_size": 8, "num_generations": 4, "gradient_accumulation_steps": 1,
    ...              "steps_per_generation": None, "generation_batch_size": None}, processes=1)
    >>> check_batch({"per_device_train_batch_size": 6, "num_generations": 4, "gradient_accumulation_steps": 1,
    ...              "steps_per_generation": None, "generation_batch_size": None}, processes=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: the generation batch of 6 completions ...
    """
    processes = processes or world_size()
    ng = grpo.get("num_generations")
    bs = grpo.get("per_device_train_batch_size")
    if not isinstance(ng, int) or ng < 2:
        raise TrainerConfigError(
            f"num_generations must be an integer >= 2 (GRPO compares completions within a group), got {ng!r}"
        )
    if not isinstance(bs, int) or bs < 1:
        raise TrainerConfigError(f"per_device_train_batch_size must be a positive integer, got {bs!r}")
    gbs, spg = grpo.get("generation_batch_size"), grpo.get("steps_per_generation")
    if gbs is not None and spg is not None:
        raise TrainerConfigError("set generation_batch_size or steps_per_generation, not both")
    if gbs is not None:
        where = f"generation_batch_size ({gbs})"
        total = gbs
    else:
        spg = spg if spg is not None else grpo.get("gradient_accumulation_steps", 1)
        total = bs * processes * spg
        where = (
            f"per_device_train_batch_size ({bs}) × processes ({processes}) × steps_per_generation ({spg}"
            + (")" if grpo.get("steps_per_generation") is not None else ", = gradient_accumulation_steps)")
        )
    if total % ng != 0:
        good = [b for b in range(ng, 4 * ng + 1, ng)][:3]
        raise TrainerConfigError(
            f"the generation batch of {total} completions ({where}) is not divisible by num_generations ({ng}): "
            f"each prompt's {ng} completions must land in one batch to compute group advantages. "
            f"Make per_device_train_batch_size a multiple of num_generations (e.g. {', '.join(map(str, good))}) "
            "or change num_generations"
        )


def looks_local(name: str) -> bool:
    """Whether a model name can only be a local path (so a missing one is an error, not a hub id).

    >>> [looks_local(n) for n in ["Qwen/Qwen2.5-0.5B-Instruct", "gpt2", "./out", "/models/x", "a/b/c", "~/m"]]
    [False, False, True, True, True, True]
    """
    if name.startswith(("/", "./", "../", "~", ".\\")) or name in (".", ".."):
        return True
    if "\\" in name or name.count("/") > 1:
        return True
    return not _HUB_ID.match(name)


def check_model(name: str) -> str:
    """Check ``--model`` before loading anything; return how it will be found (``local`` or ``hub``).

    A path that exists is used as it is. A name that can only be a path (``./x``, ``/x``, ``a/b/c``) and
    does not exist is an error. A hub id is accepted; when the hub is offline (``HF_HUB_OFFLINE=1``)
    it must already be in the local cache.

    >>> check_model("/no/such/model")
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: model path '/no/such/model' does not exist (it can only be a local path: a hub id looks like owner/name); pass an existing model directory or a hub id such as Qwen/Qwen2.5-0.5B-Instruct
    """
    expanded = os.path.expanduser(name)
    if os.path.exists(expanded):
        if os.path.isdir(expanded) and not os.path.isfile(os.path.join(expanded, "config.json")):
            raise TrainerConfigError(
                f"model directory {name!r} has no config.json; pass a directory written by save_pretrained "
                "or a hub id"
            )
        return "local"
    if looks_local(name):
        raise TrainerConfigError(
            f"model path {name!r} does not exist (it can only be a local path: a hub id looks like owner/name); "
            "pass an existing model directory or a hub id such as Qwen/Qwen2.5-0.5B-Instruct"
        )
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
            return "hub"
        cached = try_to_load_from_cache(name, "config.json")
        if not isinstance(cached, str):
            raise TrainerConfigError(
                f"model {name!r} is not a local directory and is not in the Hugging Face cache, and the hub "
                "is offline (HF_HUB_OFFLINE=1); download it first or pass a local directory"
            )
    return "hub"


#: transformers' ``TrainingArguments.output_dir`` when none is given.
DEFAULT_OUTPUT_DIR = "trainer_output"


def check_output_dir(path: str | None) -> str:
    """Check that ``--output_dir`` can be created and written, leaving nothing behind; returns it.

    An existing directory must take a new file; a missing one must be creatable under its nearest
    existing parent (tried with a scratch directory, removed at once). Runs before any model is
    built or loaded, so an unwritable path costs seconds, not a model build.

    >>> import tempfile; check_output_dir(os.path.join(tempfile.mkdtemp(), "runs", "a")).endswith("a")
    True
    >>> check_output_dir("/proc/no-runs-here")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: --output_dir /proc/no-runs-here cannot be created in /proc: ...
    """
    path = path or DEFAULT_OUTPUT_DIR
    full = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(full):
        try:
            fd, probe = tempfile.mkstemp(prefix=".write-check-", dir=full)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise TrainerConfigError(
                f"--output_dir {path} is not writable: {exc.strerror or exc}; choose a directory you can write"
            ) from None
        return path
    if os.path.lexists(full):
        raise TrainerConfigError(f"--output_dir {path} exists and is not a directory; choose another path")
    parent = os.path.dirname(full)
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise TrainerConfigError(
            f"--output_dir {path} cannot be created: {parent} is not a directory; choose another path"
        )
    try:
        scratch = tempfile.mkdtemp(prefix=".write-check-", dir=parent)
    except OSError as exc:
        raise TrainerConfigError(
            f"--output_dir {path} cannot be created in {parent}: {exc.strerror or exc}; "
            "choose a directory you can write"
        ) from None
    shutil.rmtree(scratch, ignore_errors=True)
    return path


def check_reward_executor(spec: Any) -> None:
    """Reach the Ray cluster of a ``reward_executor: ray`` selection and start its reward actors (they
    start and warm up while the data loads); nothing for local rewards.

    An unreachable cluster, or one with no node for a reward actor, is a :class:`TrainerConfigError`
    naming the address, raised in seconds (``connect_timeout``) and before any model loads.

    >>> from verifiers_core.suite import SuiteSpec
    >>> check_reward_executor(SuiteSpec.from_options("format"))
    """
    if not spec.executor.is_ray:
        return
    try:
        from verifiers_core.ray_executor import RayClusterError, get_executor
    except ImportError as exc:
        raise TrainerConfigError(
            f"--reward-executor ray needs Ray: pip install 'verifiers-core[ray]' ({exc})"
        ) from None
    try:
        get_executor(spec, spec.executor).start()
    except RayClusterError as exc:
        raise TrainerConfigError(f"--reward-executor ray: {exc}") from None


def wait_for_reward_actors(spec: Any) -> str | None:
    """Wait until the reward actors started by :func:`check_reward_executor` are up (built, pools
    warm); a line saying where the rewards run, or ``None`` for local rewards.

    When none could start (a plugin missing on the nodes, a bad reward parameter there, no free
    CPUs), that is a :class:`TrainerConfigError` with each actor's reason, before the model loads.

    >>> from verifiers_core.suite import SuiteSpec
    >>> wait_for_reward_actors(SuiteSpec.from_options("format")) is None
    True
    """
    if not spec.executor.is_ray:
        return None
    from verifiers_core.ray_executor import get_executor

    executor = get_executor(spec, spec.executor)
    ready = executor.wait_ready()
    actors = executor.status()
    if not ready:
        reasons = "; ".join(f"{a['actor']}: {a['reason'] or a['state']}" for a in actors) or "none placed"
        raise TrainerConfigError(
            f"--reward-executor ray: no reward actor could start on the Ray cluster at {executor.address} "
            f"({reasons})"
        )
    nodes = len({a["node"] for a in actors if a["state"] == "ready"})
    return f"rewards run on Ray at {executor.address}: {ready} reward actors ready on {nodes} nodes"


__all__ = [
    "DEFAULT_OUTPUT_DIR",
    "check_batch",
    "check_model",
    "check_output_dir",
    "check_reward_executor",
    "looks_local",
    "wait_for_reward_actors",
    "world_size",
]
