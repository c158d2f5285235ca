"""The same rewards in other trainers: one adapter module per framework, each in its call shape.

- :mod:`verifiers_core.integrations.verl`: veRL's ``custom_reward_function`` (``compute_score``,
  ``compute_score_batch``, ``compute_score_async``).
- :mod:`verifiers_core.integrations.openrlhf`: OpenRLHF's ``--reward.remote_url <file>.py``
  (``reward_func``).
- :mod:`verifiers_core.integrations.slime`: slime's ``--custom-rm-path`` (``custom_rm``), also
  with ``--group-rm``.
- :mod:`verifiers_core.integrations.areal`: AReaL's ``reward_fn``.
- :mod:`verifiers_core.integrations.prime`: PrimeIntellect verifiers' ``load_environment``.

Every adapter scores through the one scoring path (:mod:`verifiers_core.suite`) and takes the
reward selection from keyword options or the ``VERIFIERS_CORE_*`` environment variables
(:mod:`verifiers_core.integrations.common`). ``python -m verifiers_core integrations [NAME]``
prints the lines to put in each framework's config.

Nothing here imports a framework, torch, or a reward at import time: the rewards are built at the
first call, once per process.
"""

from __future__ import annotations

#: Adapter modules, by the framework name ``python -m verifiers_core integrations NAME`` takes.
FRAMEWORKS = ("verl", "openrlhf", "slime", "areal", "prime")
