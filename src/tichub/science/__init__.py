"""tichub.science: pure-Python, standards-exact numerics for testing, inspection and certification.

No Django here (an import-linter contract enforces it): every function takes and returns plain values
(``Decimal``, ``str``, dataclasses) so that a metrologist can use the package on its own.
"""
