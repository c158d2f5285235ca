"""verifiers-math: the ``accuracy`` and ``cosine`` rewards for math answers (a verifiers-core plugin).

Importing this package is light: sympy and math-verify are imported only by the grading workers.

>>> import verifiers_math
>>> verifiers_math.__version__
'0.1.0'
"""

__version__ = "0.1.0"
