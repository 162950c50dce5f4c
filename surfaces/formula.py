"""User-typed formulas in ``x`` and ``y``, read safely: parsed, never evaluated as Python.

``surfaces.grammar`` reads and checks the text against an allowlist; this module translates the
accepted tree into closures over ``jax.numpy`` (so ``jax.grad`` and ``jit`` work) and into LaTeX,
and wraps both in a ``Surface``. No ``eval``, no constant folding in Python, no SymPy.

    >>> s = parse_formula("x^2 + 3*y**2")
    >>> float(s.fn(1.0, 2.0)), s.latex
    (13.0, 'f(x, y) = x^{2} + 3\\\\,y^{2}')
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from functools import lru_cache

import jax
import jax.numpy as jnp

from surfaces.base import Surface, Window
from surfaces.grammar import (
    CONSTANTS,
    FUNCTIONS,
    OPERATORS,
    FormulaError,
    is_number,
    precedence,
    read_canonical,
    read_formula,
)

__all__ = ["FormulaError", "check_finite_at", "formula_latex", "parse_formula"]


# ---- translation: tree -> closures over jax.numpy ----------------------------------------------


def _integer_exponent(node: ast.AST) -> int | None:
    """``k`` for an exponent written as a whole number ``k`` or ``-k`` (then ``x**k`` is exact)."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and is_number(node) and float(node.value).is_integer():
        return sign * int(node.value)
    return None


def _compile(node: ast.AST) -> Callable:
    """A function ``(x, y) -> jax value`` for a checked tree; constants are jax arrays, never Python math."""
    if isinstance(node, ast.Constant):
        c = jnp.asarray(float(node.value))
        return lambda x, y: c
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        c = jnp.asarray(CONSTANTS[node.id][0])
        return lambda x, y: c
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand)
        return (lambda x, y: -inner(x, y)) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call):
        fn, arg = FUNCTIONS[node.func.id][0], _compile(node.args[0])
        return lambda x, y: fn(arg(x, y))
    left = _compile(node.left)
    if isinstance(node.op, ast.Pow) and (k := _integer_exponent(node.right)) is not None:
        return lambda x, y: jnp.power(jnp.asarray(left(x, y), dtype=float), k)
    right = _compile(node.right)
    op = {ast.Add: jnp.add, ast.Sub: jnp.subtract, ast.Mult: jnp.multiply,
          ast.Div: jnp.true_divide, ast.Pow: jnp.power}[type(node.op)]
    return lambda x, y: op(left(x, y), right(x, y))



# ---- translation: tree -> LaTeX -----------------------------------------------------------------

def _paren(tex: str) -> str:
    return rf"\left({tex}\right)"


def _number_tex(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _latex(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return _number_tex(node.value)
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id][1] if node.id in CONSTANTS else node.id
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        inner = _latex(node.operand)
        return sign + (_paren(inner) if precedence(node.operand) <= 3 else inner)
    if isinstance(node, ast.Call):
        name, arg = node.func.id, _latex(node.args[0])
        command = FUNCTIONS[name][1]
        if command == r"\sqrt":
            return rf"\sqrt{{{arg}}}"
        if command == "|":
            return rf"\left|{arg}\right|"
        return command + _paren(arg)
    left, right = _latex(node.left), _latex(node.right)
    op = type(node.op)
    if op is ast.Div:
        return rf"\frac{{{left}}}{{{right}}}"
    if op is ast.Pow:
        base = _paren(left) if precedence(node.left) <= 4 or r"\times" in left else left
        return f"{base}^{{{right}}}"
    if op is ast.Mult:
        left = _paren(left) if precedence(node.left) < 2 else left
        right = _paren(right) if precedence(node.right) <= 3 else right
        joint = r" \cdot " if right[0].isdigit() or right.startswith(r"\frac") else r"\,"
        return left + joint + right
    # Add / Sub: a right operand of the same level needs brackets after '-', a signed one always.
    if precedence(node.right) == 3 or (op is ast.Sub and precedence(node.right) == 1):
        right = _paren(right)
    return f"{left} {OPERATORS[op]} {right}"


# ---- the public API -----------------------------------------------------------------------------


def formula_latex(text: str) -> str:
    """The LaTeX (KaTeX, no dollars) of a formula, ``f(x, y) = ...``; raises ``FormulaError``."""
    return "f(x, y) = " + _latex(read_formula(text))


def parse_formula(text: str, domain: Window = ((-3.0, 3.0), (-3.0, 3.0))) -> Surface:
    """The surface of a typed formula such as ``x^2 + 3*y**2 + sin(x*y)``; raises ``FormulaError``.

    The same formula (up to spacing and ``^`` versus ``**``) and window give the same ``Surface``
    object, so the runner compiles it once.
    """
    tree = read_formula(text)
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in domain)
    except (TypeError, ValueError):
        raise FormulaError("the window must be ((xmin, xmax), (ymin, ymax)) with numbers.") from None
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or not (x0 < x1 and y0 < y1):
        raise FormulaError("the window must be ((xmin, xmax), (ymin, ymax)) with finite numbers, min < max.")
    return _surface(ast.unparse(tree), ((x0, x1), (y0, y1)))


@lru_cache(maxsize=128)
def _surface(canonical: str, domain: Window) -> Surface:
    tree = read_canonical(canonical)
    body = _compile(tree)

    def fn(x, y):
        out = jnp.asarray(body(x, y), dtype=float)
        return jnp.broadcast_to(out, jnp.broadcast_shapes(jnp.shape(x), jnp.shape(y), out.shape))

    (x0, x1), (y0, y1) = domain
    inside = x0 <= 1.0 <= x1 and y0 <= 1.0 <= y1
    start = (1.0, 1.0) if inside else (x0 + 0.75 * (x1 - x0), y0 + 0.75 * (y1 - y0))
    return Surface(
        name="formula",
        title="Your formula",
        latex="f(x, y) = " + _latex(tree),
        fn=fn,
        domain=domain,
        minima=(),
        start=start,
        look_for="Your own surface: watch where the gradient points and whether the step fits the curvature.",
        source="Typed in by you; read with an allowlist and never run as Python.",
        fields={"formula": canonical},
    )


def check_finite_at(surface: Surface, point) -> None:
    """Raise ``FormulaError`` unless ``f`` and its gradient are finite at ``point``."""
    x, y = (float(v) for v in point)
    where = f"({x:g}, {y:g})"
    value = surface.fn(x, y)
    if not bool(jnp.all(jnp.isfinite(value))):
        raise FormulaError(f"f is not finite at the start {where}; pick another start or change the formula.")
    grad = jax.grad(surface.fn, argnums=(0, 1))(x, y)
    if not all(bool(jnp.isfinite(g)) for g in grad):
        raise FormulaError(
            f"the gradient of f is not finite at the start {where}; pick another start or change the formula."
        )
