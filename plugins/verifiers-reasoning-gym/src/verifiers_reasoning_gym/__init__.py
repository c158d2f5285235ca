"""reasoning-gym's procedural tasks for verifiers-core: datasets ``reasoning-gym:<task>`` and the
reward ``reasoning_gym``, which scores any task's row from its ``answer`` and ``metadata`` columns.

See the README for the row layout, the answer rule, the credit modes and the safety measures.
"""

__all__: list[str] = []
