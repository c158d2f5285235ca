"""The reward server behind ``python -m verifiers_core serve`` (the ``serve`` extra).

Remote trainers call the same rewards over HTTP: OpenRLHF (``POST /get_reward``), slime
(``POST /slime/reward``), any client (``POST /v1/score``), and SandboxFusion's clients, veRL's
``sandbox_fusion.url`` among them (``POST /run_code``). Every row is scored by the one scoring path,
:class:`verifiers_core.suite.RewardSuite`, in scorer processes that the server restarts when they die.

``import verifiers_core`` never imports this package; its modules import FastAPI, uvicorn, pebble
and prometheus_client, which only the ``serve`` extra installs.

- :mod:`.settings`: the limits and options (:class:`~.settings.ServerSettings`).
- :mod:`.protocols`: request bodies of each protocol, and rows built from them.
- :mod:`.scorer`: the scorer processes (a pebble process pool) and what runs inside them.
- :mod:`.batching`: the bounded queue that merges concurrent requests into batches.
- :mod:`.run_code`: SandboxFusion's ``/run_code`` on the code plugin's sandbox.
- :mod:`.security`: bearer-token and body-size checks (pure ASGI middleware).
- :mod:`.metrics`: Prometheus metrics.
- :mod:`.app`: the FastAPI application; :mod:`.runner`: uvicorn, start-up warnings and shutdown.
"""
