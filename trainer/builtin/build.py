"""Build the cold-started model once per recipe and seed, cache it, and reuse it.

The directory name carries a hash of everything that decides the weights (the recipe and a format
version), so a changed recipe never picks up a stale model. A build is written to a temporary
directory next to its final place and renamed into place only when complete: an interrupted build
leaves at most a temporary directory, never a half-written model that a later run would reuse.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .model import ModelShape, build_model
from .sft import SFTRecipe, run_sft
from .task import Problem
from .tokenizer import build_tokenizer

#: Bump when the task, tokenizer or training code changes in a way that changes the weights.
BUILD_FORMAT = 2
MARKER = "builtin.json"


@dataclass(frozen=True)
class BuildRecipe:
    """Everything that decides the cold-started weights, besides the seed."""

    shape: ModelShape = field(default_factory=ModelShape)
    sft: SFTRecipe = field(default_factory=SFTRecipe)

    def digest(self) -> str:
        """A short hash that names the cache directory.

        >>> BuildRecipe().digest() == BuildRecipe().digest() != BuildRecipe(sft=SFTRecipe(steps=1)).digest()
        True
        """
        blob = json.dumps({"format": BUILD_FORMAT, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def default_cache_root() -> Path:
    """``$XDG_CACHE_HOME/verifiers-core`` (or ``~/.cache/verifiers-core``).

    >>> default_cache_root().name
    'verifiers-core'
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "verifiers-core"


def _stderr(message: str) -> None:
    print(f"[builtin] {message}", file=sys.stderr, flush=True)


def ensure_built(
    seed: int,
    pool: list[Problem],
    recipe: BuildRecipe,
    cache_root: Path,
    log: Callable[[str], None] | None = _stderr,
) -> tuple[Path, dict]:
    """Return the directory of the cold-started model for ``seed`` and its build record.

    Builds it (tokenizer, model, SFT on ``pool``) if the cache has no complete copy. The record
    (``builtin.json``) holds the recipe, the seed and the SFT figures, and ``"reused": True`` when
    nothing was built.
    """
    final = cache_root / f"builtin-{recipe.digest()}-seed{seed}"
    marker = final / MARKER
    if marker.is_file():
        record = json.loads(marker.read_text())
        return final, {**record, "reused": True}
    if final.exists():
        # Not written by a finished build of ours (the rename happens last): start over.
        shutil.rmtree(final)
    cache_root.mkdir(parents=True, exist_ok=True)
    say = log or (lambda _m: None)
    say(f"building the built-in model (seed {seed}) into {final}: one-time cold-start SFT")
    tokenizer = build_tokenizer()
    model = build_model(tokenizer, recipe.shape, seed)
    start = time.perf_counter()
    stats = run_sft(
        model,
        tokenizer,
        pool,
        recipe.sft,
        seed,
        progress=lambda step, loss: say(f"SFT step {step}/{recipe.sft.steps} loss {loss:.3f}"),
    )
    record = {
        "seed": seed,
        "recipe": asdict(recipe),
        "digest": recipe.digest(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "sft": stats,
        "build_seconds": time.perf_counter() - start,
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=cache_root))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / MARKER).write_text(json.dumps(record, indent=2, sort_keys=True))
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / MARKER).is_file():  # not a concurrent build that won the race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"built in {record['build_seconds']:.1f}s, final SFT loss {stats['final_loss']:.3f}")
    return final, {**record, "reused": False}
