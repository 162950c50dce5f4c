"""What a typed formula may contain: the allowlist, the size caps and the reader that enforces them.

``read_formula`` parses with ``ast.parse(mode="eval")`` and walks the tree against an allowlist:
numbers (at most 1e6 in size), ``x``, ``y``, ``pi``, ``e``, ``+ - * / ^ **``, unary signs and the
one-argument functions in ``FUNCTIONS``. Length is capped before parsing, so a huge input costs
nothing; depth and node count are capped while walking; a constant exponent must be a plain number
of size at most 100, so ``9^9^9^9`` is refused without computing anything. Nothing is evaluated.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Callable

import jax.numpy as jnp

MAX_LENGTH = 200
MAX_DEPTH = 30
MAX_NODES = 200
MAX_LITERAL = 1e6
MAX_EXPONENT = 100

# name -> (jax function, LaTeX command); numpy spellings and math-module spellings both work.
FUNCTIONS: dict[str, tuple[Callable, str]] = {
    "sin": (jnp.sin, r"\sin"),
    "cos": (jnp.cos, r"\cos"),
    "tan": (jnp.tan, r"\tan"),
    "arcsin": (jnp.arcsin, r"\arcsin"),
    "asin": (jnp.arcsin, r"\arcsin"),
    "arccos": (jnp.arccos, r"\arccos"),
    "acos": (jnp.arccos, r"\arccos"),
    "arctan": (jnp.arctan, r"\arctan"),
    "atan": (jnp.arctan, r"\arctan"),
    "sinh": (jnp.sinh, r"\sinh"),
    "cosh": (jnp.cosh, r"\cosh"),
    "tanh": (jnp.tanh, r"\tanh"),
    "exp": (jnp.exp, r"\exp"),
    "log": (jnp.log, r"\ln"),
    "log10": (jnp.log10, r"\log_{10}"),
    "log2": (jnp.log2, r"\log_{2}"),
    "sqrt": (jnp.sqrt, r"\sqrt"),
    "abs": (jnp.abs, "|"),
    "fabs": (jnp.abs, "|"),
}
CONSTANTS = {"pi": (math.pi, r"\pi"), "e": (math.e, "e")}
VARIABLES = ("x", "y")

_FUNCTION_LIST = ", ".join(FUNCTIONS)
_ALLOWED = f"use x, y, pi, e, numbers, + - * / ^ and the functions {_FUNCTION_LIST}"
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
_REFUSED_OPERATORS = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not",
}
_CONSTRUCTS = {
    ast.Attribute: "attribute access with '.'", ast.Subscript: "indexing with [ ]",
    ast.Lambda: "lambda", ast.IfExp: "if/else", ast.Compare: "comparisons", ast.BoolOp: "and/or",
    ast.NamedExpr: "':='", ast.Starred: "'*' unpacking", ast.JoinedStr: "text strings",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets",
    ast.Dict: "dicts", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}


class FormulaError(ValueError):
    """A formula that cannot be used; the message is one sentence: what is wrong, what is allowed."""


def _refuse(what: str) -> FormulaError:
    return FormulaError(f"{what} cannot be used in a formula; {_ALLOWED}.")


def read_formula(text: str) -> ast.expr:
    """The checked tree of what a person typed; raises ``FormulaError`` with a one-sentence reason."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, not {type(text).__name__}; {_ALLOWED}.")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed.")
    lead = len(text) - len(text.lstrip())  # columns count from what the person typed
    text = text.strip()
    if not text:
        raise FormulaError("the formula is empty; type an expression in x and y such as x^2 + 3*y^2.")
    if any(ord(char) < 32 and char != "\t" for char in text):
        raise FormulaError("the formula contains a line break or control character; type it on one line.")
    # '^' is never an operator here, only power: replace it before parsing, then map columns back.
    source = text.replace("^", "**")
    try:
        with warnings.catch_warnings():  # "1if x" warns about a decimal literal, "'\\d'" (3.11) about an
            warnings.simplefilter("ignore", SyntaxWarning)  # escape; the allowlist decides, the log stays clean
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = lead + _original_column(text, exc.offset or 1)
        raise FormulaError(f"could not read the formula at column {column}: {_reason(exc.msg)}.") from None
    except (ValueError, MemoryError, RecursionError):  # lone surrogates, runaway nesting
        raise FormulaError(f"could not read the formula; {_ALLOWED}.") from None
    return _checked(tree, source)


def _checked(tree: ast.Expression, source: str) -> ast.expr:
    _check(tree.body, source, depth=1, count=[0])
    return tree.body


def _reason(msg: str | None) -> str:
    """Python's syntax message cut to one clause, with a hint for the commonest slip (``2x``)."""
    msg = re.sub(r"\s*\(detected at line \d+\)", "", msg or "invalid syntax")
    if "decimal literal" in msg:
        return "a number runs into a name; write 2*x, not 2x"
    return re.split(r"[.?!;]\s", msg.strip())[0].rstrip(".?!")


def _original_column(text: str, offset: int) -> int:
    """The 1-based column in ``text`` of ``offset`` in the text with every '^' doubled to '**'."""
    position = 0
    for column, char in enumerate(text, start=1):
        position += 2 if char == "^" else 1
        if position >= offset:
            return column
    return len(text) + 1


def _check(node: ast.AST, source: str, depth: int, count: list[int]) -> None:
    """Walk the tree with the allowlist; refuse the first node that is not on it.

    ``depth`` counts nesting as a reader sees it: a flat sum ``a + b + c + ...`` is one level,
    although Python's tree for it leans left one node per term.
    """
    count[0] += 1
    if count[0] > MAX_NODES:
        raise FormulaError(f"the formula has more than {MAX_NODES} parts; write a shorter one.")
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep; write a flatter one.")
    if isinstance(node, ast.Constant):
        _check_number(node, source)
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES and node.id not in CONSTANTS:
            raise FormulaError(f"unknown name {node.id!r}; {_ALLOWED}.")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in OPERATORS:
            raise _refuse(f"the operator '{_REFUSED_OPERATORS.get(type(node.op), '?')}'")
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right, source)
        same_level = precedence(node.left) == precedence(node) and not isinstance(node.op, ast.Pow)
        _check(node.left, source, depth if same_level else depth + 1, count)
        _check(node.right, source, depth + 1, count)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _refuse(f"the operator '{_REFUSED_OPERATORS.get(type(node.op), '?')}'")
        _check(node.operand, source, depth + 1, count)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise FormulaError(f"only plain calls like sin(x) are allowed; {_ALLOWED}.")
        if node.func.id not in FUNCTIONS:
            raise FormulaError(f"unknown function {node.func.id!r}; use one of {_FUNCTION_LIST}.")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"{node.func.id}() takes exactly one argument, as in {node.func.id}(x).")
        _check(node.args[0], source, depth + 1, count)
    else:
        raise _refuse(_CONSTRUCTS.get(type(node), f"'{type(node).__name__}'"))


def _check_number(node: ast.Constant, source: str) -> None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = {bool: "True/False", str: "text strings", bytes: "text strings", complex: "complex numbers"}
        raise _refuse(kind.get(type(value), repr(value)))
    if not abs(value) <= MAX_LITERAL:  # also refuses inf (1e999); a big int is compared, never converted
        raise FormulaError(
            f"the number {_shown(node, source)} is too large; numbers up to 1e6 in size are allowed."
        )


def _shown(node: ast.AST, source: str) -> str:
    """The text of ``node`` as typed, shortened for a message."""
    text = ast.get_source_segment(source, node) or "?"
    return text if len(text) <= 24 else text[:20] + "…"


def _has_variable(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id in VARIABLES for n in ast.walk(node))


def _check_exponent(node: ast.AST, source: str) -> None:
    """A constant exponent uses numbers of size <= 100 and no power: ``9^9^9`` is refused unread."""
    if _has_variable(node):
        return
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node)):
        raise FormulaError("a constant exponent cannot contain a power (as in 9^9^9); use a plain number.")
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and is_number(n) and not abs(n.value) <= MAX_EXPONENT:
            raise FormulaError(
                f"the exponent {_shown(n, source)} is too large; constant exponents up to 100 are allowed."
            )


def is_number(node: ast.Constant) -> bool:
    return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}


def precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE.get(type(node.op), 0)  # 0: an operator the allowlist refuses anyway
    if isinstance(node, ast.UnaryOp):
        return 3
    return 5


def read_canonical(canonical: str) -> ast.expr:
    """The checked tree of ``ast.unparse`` of an accepted tree (no length cap: unparsing adds spaces)."""
    return _checked(ast.parse(canonical, mode="eval"), canonical)
