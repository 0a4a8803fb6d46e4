"""Calculated results: a small, safe expression language over decimals (never ``eval``).

A formula names other results by keyword (``(m1 - m2) / m0 * 100``) and may use numbers, ``+ - * /``, ``**``
with a small integer exponent, parentheses, and the functions ``abs``, ``min``, ``max``, ``sqrt``, ``ln``,
``log10`` and ``exp``. It is parsed with :mod:`ast` and only those nodes are accepted; anything else (attribute
access, calls of other names, comprehensions, strings, comparisons) raises :class:`FormulaError` before any value
is computed. Arithmetic is :class:`~decimal.Decimal` with 28 significant digits; round the result for reporting
with :func:`tichub.science.rounding.round_gbt8170`, as any other computed value.

>>> from decimal import Decimal
>>> evaluate("(m1 - m2) / m0 * 100", {"m1": Decimal("25.4312"), "m2": Decimal("25.1187"), "m0": Decimal("5.0021")})
Decimal('6.247376102037144399352272046')
>>> sorted(variables("a + b * max(a, c)"))
['a', 'b', 'c']
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, localcontext
from typing import Final

__all__ = ["FormulaError", "evaluate", "variables"]

MAX_LENGTH: Final = 300
MAX_EXPONENT: Final = 10
_CONTEXT: Final = Context(prec=28, traps=[InvalidOperation, DivisionByZero])

_BINARY: Final[Mapping[type[ast.operator], Callable[[Decimal, Decimal], Decimal]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS: Final[Mapping[str, Callable[..., Decimal]]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "sqrt": lambda x: x.sqrt(),
    "ln": lambda x: x.ln(),
    "log10": lambda x: x.log10(),
    "exp": lambda x: x.exp(),
}
_ARITY: Final[Mapping[str, tuple[int, int]]] = {
    "abs": (1, 1),
    "sqrt": (1, 1),
    "ln": (1, 1),
    "log10": (1, 1),
    "exp": (1, 1),
    "min": (2, 20),
    "max": (2, 20),
}


class FormulaError(ValueError):
    """The formula is not in the accepted language, names an unknown result, or cannot be computed."""


def _parse(formula: str) -> ast.expr:
    if not isinstance(formula, str):
        raise TypeError(f"a formula is a str, got {type(formula).__name__}")
    text = formula.strip()
    if not text:
        raise FormulaError("empty formula")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a formula: {exc.msg} at column {exc.offset}") from exc
    _check(tree.body)
    return tree.body


def _check(node: ast.AST) -> None:
    """Accept only the nodes of the language, so that nothing else can ever be evaluated."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"only numbers are allowed, not {node.value!r}")
        if not Decimal(str(node.value)).is_finite():
            raise FormulaError("a number in the formula is too large")
    elif isinstance(node, ast.Name):
        if node.id in _FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: write {node.id}(…)")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        _check(node.operand)
    elif isinstance(node, ast.BinOp) and (type(node.op) in _BINARY or isinstance(node.op, ast.Pow)):
        _check(node.left)
        _check(node.right)
        if isinstance(node.op, ast.Pow) and not _small_integer(node.right):
            raise FormulaError(f"the exponent of ** must be an integer from -{MAX_EXPONENT} to {MAX_EXPONENT}")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
        if node.keywords:
            raise FormulaError(f"{node.func.id}() takes no keyword arguments")
        low, high = _ARITY[node.func.id]
        if not low <= len(node.args) <= high:
            raise FormulaError(f"{node.func.id}() takes {low} to {high} arguments, got {len(node.args)}")
        for argument in node.args:
            _check(argument)
    else:
        raise FormulaError(f"not allowed in a formula: {ast.unparse(node)}")


def _small_integer(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
        and abs(node.value) <= MAX_EXPONENT
    )


def variables(formula: str) -> frozenset[str]:
    """The result keywords a formula reads (to know which results it waits for)."""
    tree = _parse(formula)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called)


def _value(node: ast.AST, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.Constant):
        # The written digits of the literal, not its float: "0.1" is one tenth (_check admitted int and float only).
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise FormulaError(f"unknown result {node.id!r}")
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, values), _value(node.right, values)
        if isinstance(node.op, ast.Pow):
            return left**right
        return _BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # _check admitted nothing else
    return _FUNCTIONS[node.func.id](*(_value(argument, values) for argument in node.args))


def evaluate(formula: str, values: Mapping[str, Decimal]) -> Decimal:
    """The formula's value for the given results (keyword → Decimal). Division by zero, the root or logarithm of
    a negative number and unknown keywords raise :class:`FormulaError` naming the problem."""
    tree = _parse(formula)
    for name, value in values.items():
        if not isinstance(value, Decimal):
            raise TypeError(f"value of {name!r} must be a Decimal, got {type(value).__name__}")
    try:
        with localcontext(_CONTEXT):
            result = _value(tree, values)
    except DivisionByZero as exc:
        raise FormulaError(f"division by zero in {formula.strip()!r}") from exc
    except InvalidOperation as exc:
        raise FormulaError(f"cannot compute {formula.strip()!r}: undefined for these values") from exc
    if not result.is_finite():
        raise FormulaError(f"cannot compute {formula.strip()!r}: the result is not a finite number")
    return +result
