"""The ``verifiers-core-env`` environment: ``vf.load_environment("verifiers-core-env", rewards=...)``.

All the work is in :mod:`verifiers_core.integrations.prime`; this module is what verifiers'
installer and loader look for (a distribution whose module exposes ``load_environment``).
"""

from verifiers_core.integrations.prime import load_environment

__all__ = ["load_environment"]
