"""Inputs of the statistical modules: decimals, decimal strings, ints or floats, checked once."""

import math
import numbers
from decimal import Decimal

Number = Decimal | str | int | float


def to_float(x: Number) -> float:
    """Convert a statistical input to float, refusing bool, NaN, infinities and non-numbers (ValueError).

    ``bool`` is an ``int`` subclass but never a measured value.
    """
    if isinstance(x, bool):
        raise ValueError("a boolean is not a numeric value")
    if isinstance(x, str):
        try:
            result = float(Decimal(x.strip()))
        except ArithmeticError as exc:  # decimal.InvalidOperation is an ArithmeticError
            raise ValueError(f"not a number: {x!r}") from exc
    elif isinstance(x, Decimal | numbers.Real):
        result = float(x)
    else:
        raise ValueError(f"not a number: {x!r}")
    if not math.isfinite(result):
        raise ValueError(f"value must be finite, got {x!r}")
    return result
