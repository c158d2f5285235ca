"""verifiers-code: code rewards whose tests run in a local sandbox that hostile code cannot escape.

Rewards (registered through the ``verifiers_core`` entry point ``code``): ``code``,
``code_binary`` and ``code_format``. This package imports nothing heavy; the sandbox starts on a
reward's first call.

>>> import verifiers_code
>>> verifiers_code.__version__
'0.1.0'
"""

__version__ = "0.1.0"
