"""Hostile input for the formula reader, generated: random text, mutated formulas and whole syntax trees.

Every input must be read within a second into either a working ``Surface`` whose values match an
independent NumPy reading of the same tree, or a ``FormulaError`` of one sentence, and nothing may be
executed on the way: a Python audit hook fails the test on any import, ``exec``/``eval`` of code,
file, process or network event while ``parse_formula`` runs (the surface is evaluated afterwards).

The normal suite runs a small number of examples per property; ``make fuzz`` (and ``make load``) runs
``DESCENT_FUZZ_EXAMPLES`` of them (10,000 by default there).
"""

from __future__ import annotations

import ast
import os
import re
import sys
import time
import warnings
from contextlib import contextmanager

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from surfaces import Surface
from surfaces.formula import FUNCTIONS, FormulaError, parse_formula
from tests.test_formula import NUMPY

EXAMPLES = int(os.environ.get("DESCENT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TIME_LIMIT = 1.0  # seconds to read one input (parse_formula)

# ---- nothing runs: an audit hook that records forbidden events while the reader works --------------

FORBIDDEN_PREFIXES = ("exec", "import", "open", "os.", "subprocess.", "socket.", "ctypes.", "shutil.",
                      "builtins.input", "pty.", "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.")
_watch = {"on": False, "seen": []}


def _audit(event: str, args) -> None:
    if _watch["on"] and event.startswith(FORBIDDEN_PREFIXES):
        _watch["seen"].append((event, repr(args)[:120]))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while _watch["on"]


@contextmanager
def nothing_runs():
    _watch["seen"].clear()
    _watch["on"] = True
    try:
        yield
    finally:
        _watch["on"] = False
    assert not _watch["seen"], f"the reader triggered {_watch['seen'][:3]}"


def _warm_up() -> None:
    """Import and trace everything the reader uses once, outside the watch (first use imports lazily)."""
    s = parse_formula("x^2 + 3*y**2 + sin(x*y) - abs(y)/2 + 2^-x")
    for name in FUNCTIONS:
        parse_formula(f"{name}(x + y)")
    float(s.fn(0.5, -0.7))
    jax.grad(s.fn, argnums=(0, 1))(0.5, -0.7)


_warm_up()


# ---- an independent reading of an accepted tree, with NumPy -----------------------------------------

BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}
NAMES = {"pi": np.pi, "e": np.e}


def reference(node: ast.AST, x: float, y: float) -> np.float64:
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return np.float64({"x": x, "y": y}.get(node.id, NAMES.get(node.id)))
    if isinstance(node, ast.UnaryOp):
        inner = reference(node.operand, x, y)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call):
        return NUMPY[node.func.id](reference(node.args[0], x, y))
    return BINARY[type(node.op)](reference(node.left, x, y), reference(node.right, x, y))


def allowed(node: ast.AST) -> bool:
    """This test's own statement of the allowlist (surfaces/grammar.py's docstring), node by node."""
    if isinstance(node, ast.Expression):
        return allowed(node.body)
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Name):
        return node.id in ("x", "y", "pi", "e")
    if isinstance(node, ast.BinOp):
        return type(node.op) in BINARY and allowed(node.left) and allowed(node.right)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) and allowed(node.operand)
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and len(node.args) == 1
                and not node.keywords and allowed(node.args[0]))
    return False


CAP_PHRASES = ("characters long", "more than", "nested more than", "too large", "constant exponent",
               "could not read the formula")  # the last: Python's own parser refuses very deep nesting


def one_sentence(message: str) -> None:
    assert message and message.endswith("."), message
    # a full stop then a space ends a sentence, unless it closes a number as typed ("1000001. is too large")
    assert "\n" not in message and not re.search(r"(?<!\d)\.\s", message), f"not one sentence: {message!r}"
    assert "Traceback" not in message and len(message) < 400, message


def check(text: str) -> Surface | None:
    """The property every input must have; returns the surface when the text was accepted.

    The time limit is on reading: ``parse_formula`` (the checks, the surface, its LaTeX), what a page
    does with a typed formula before any run. The test's own eager evaluation comes after it.
    """
    with nothing_runs(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        begin = time.perf_counter()
        try:
            s = parse_formula(text)
        except FormulaError as exc:
            s, error = None, str(exc)
        else:
            error = None
        elapsed = time.perf_counter() - begin
    if s is not None:  # outside the watch: JAX may read its compilation cache (a file) to evaluate
        assert isinstance(s, Surface) and isinstance(s.latex, str) and s.latex.startswith("f(x, y) = ")
        value = float(s.fn(0.5, -0.7))
        grad = [float(g) for g in jax.grad(s.fn, argnums=(0, 1))(0.5, -0.7)]
    assert elapsed < TIME_LIMIT, f"{elapsed:.2f} s to read {text[:60]!r}"
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]  # nothing for the server log
    if error is not None:
        one_sentence(error)
        return None
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError:
        raise AssertionError(f"accepted text Python cannot read: {text!r}") from None
    assert allowed(tree), f"accepted a construct outside the allowlist: {text!r}"
    with np.errstate(all="ignore"):
        expected = float(reference(tree.body, 0.5, -0.7))
    if np.isfinite(expected) and np.isfinite(value) and abs(expected) < 1e200:
        assert np.isclose(value, expected, rtol=1e-7, atol=1e-12), (text, value, expected)
    assert len(grad) == 2
    return s


# ---- generated text ---------------------------------------------------------------------------------

FORMULA_CHARS = "xy0123456789.e+-*/^() ,_pisncoqrtabhlgf'\"[]{}:;=<>!%~@&|#\\\t"
WORDS = st.sampled_from([*FUNCTIONS, "x", "y", "pi", "e", "__import__", "os", "system", "eval", "exec",
                         "open", "lambda", "getattr", "__class__", "__globals__", "__builtins__", "not",
                         "and", "or", "if", "else", "for", "in", "True", "None", "1e999", "1e6", "9",
                         "0x1F", "1j", "1_0", "0.5", "(", ")", "+", "-", "*", "/", "^", "**", ",", ".",
                         "[", "]", ":", "=", "==", ":=", "%", "//", "@", "'", '"', "f'", "\\", "#", " "])


@FUZZ
@given(st.text(max_size=240))
def test_any_text(text):
    check(text)


@FUZZ
@given(st.text(alphabet=FORMULA_CHARS, max_size=120))
def test_formula_like_text(text):
    check(text)


@FUZZ
@given(st.lists(WORDS, max_size=60).map("".join))
@example("x + '\\d'")  # Python 3.11 warned about the escape into the server log (found by this test)
def test_token_soup(text):
    check(text)


# ---- generated syntax trees: the allowed grammar mixed with every other Python construct -------------

def _name(ident: str) -> ast.Name:
    return ast.Name(id=ident, ctx=ast.Load())


GOOD_LEAVES = st.one_of(
    st.sampled_from(["x", "y", "pi", "e"]).map(_name),
    st.integers(0, 10**7).map(ast.Constant),
    # no subnormal numbers: XLA on CPU flushes them to zero, so 0^(x*1e-308) is 1 in JAX, 0 in NumPy
    st.floats(0, 2e6, allow_nan=False, allow_subnormal=False).map(ast.Constant),
)
BAD_LEAVES = st.one_of(
    st.sampled_from(["z", "os", "__import__", "eval", "exec", "open", "globals", "breakpoint", "print",
                     "sys", "jax", "jnp", "np", "Surface", "parse_formula", "__builtins__"]).map(_name),
    st.sampled_from([True, None, Ellipsis, "rm -rf /", b"\x00", 1j, float("inf"), 10**400]).map(ast.Constant),
)
GOOD_BINOPS = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow])
BAD_BINOPS = st.sampled_from([ast.Mod, ast.FloorDiv, ast.MatMult, ast.BitAnd, ast.BitOr, ast.BitXor,
                              ast.LShift, ast.RShift])


def _trees(leaves, binops, bad: bool):
    def extend(inner):
        options = [
            st.builds(lambda a, op, b: ast.BinOp(a, op(), b), inner, binops, inner),
            st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from([ast.USub, ast.UAdd]), inner),
            st.builds(lambda f, a: ast.Call(_name(f), [a], []), st.sampled_from(sorted(FUNCTIONS)), inner),
        ]
        if bad:
            options += [
                st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from([ast.Not, ast.Invert]), inner),
                st.builds(lambda f, args: ast.Call(_name(f), args, []),
                          st.sampled_from(["__import__", "eval", "exec", "open", "getattr", "sin", "exp"]),
                          st.lists(inner, max_size=3)),
                st.builds(lambda a: ast.Call(_name("sin"), [a], [ast.keyword("x", a)]), inner),
                st.builds(lambda a, attr: ast.Attribute(a, attr, ast.Load()), inner,
                          st.sampled_from(["__class__", "__globals__", "system", "real", "x"])),
                st.builds(lambda a, b: ast.Subscript(a, b, ast.Load()), inner, inner),
                st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), inner, inner),
                st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), inner, inner),
                st.builds(lambda a, b, c: ast.IfExp(a, b, c), inner, inner, inner),
                st.builds(lambda a: ast.Lambda(ast.arguments([], [ast.arg("x")], None, [], [], None, []), a),
                          inner),
                st.builds(lambda a, b: ast.Tuple([a, b], ast.Load()), inner, inner),
                st.builds(lambda a: ast.List([a], ast.Load()), inner),
                st.builds(lambda a: ast.Set([a]), inner),
                st.builds(lambda a, b: ast.Dict([a], [b]), inner, inner),
                st.builds(lambda a: ast.NamedExpr(_name("x"), a), inner),
                st.builds(lambda a: ast.JoinedStr([ast.FormattedValue(a, -1, None)]), inner),
                st.builds(lambda a: ast.ListComp(a, [ast.comprehension(_name("x"), a, [], 0)]), inner),
                st.builds(lambda a: ast.Call(_name("sin"), [ast.Starred(a, ast.Load())], []), inner),
            ]
        return st.one_of(*options)

    return st.recursive(leaves, extend, max_leaves=40)


GOOD_TREES = _trees(GOOD_LEAVES, GOOD_BINOPS, bad=False)
ANY_TREES = _trees(st.one_of(GOOD_LEAVES, BAD_LEAVES), st.one_of(GOOD_BINOPS, BAD_BINOPS), bad=True)


def _text(tree: ast.expr, caret: bool) -> str:
    try:
        text = ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except ValueError:  # a tree Python cannot write as text (a backslash in an f-string part)
        reject()
    return text.replace("**", "^") if caret else text


@FUZZ
@given(GOOD_TREES, st.booleans())
def test_trees_of_the_allowed_grammar_are_read_or_refused_for_a_stated_limit(tree, caret):
    text = _text(tree, caret)
    try:
        parse_formula(text)
    except FormulaError as exc:
        assert any(p in str(exc) for p in CAP_PHRASES), f"{text[:80]!r} refused for {exc}"
    check(text)


@FUZZ
@given(ANY_TREES, st.booleans())
def test_trees_of_any_python_expression(tree, caret):
    check(_text(tree, caret))


@FUZZ
@given(GOOD_TREES, st.data())
def test_mutated_formulas(tree, data):
    """A valid formula with a few characters inserted, deleted or swapped: the typo a student makes."""
    text = _text(tree, caret=data.draw(st.booleans()))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        char = data.draw(st.sampled_from(FORMULA_CHARS))
        if op == "insert":
            text = text[:i] + char + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + char + text[i + 1:]
    check(text)


def test_the_audit_hook_sees_an_import_and_an_exec():
    """The watch can fail: an import and an exec inside it are reported."""
    # A module already in sys.modules imports without an audit event (another test or library may have
    # loaded it first in the whole suite): take it out so this import really happens.
    sys.modules.pop("xml.dom.minidom", None)
    with pytest.raises(AssertionError, match="import"), nothing_runs():
        __import__("xml.dom.minidom")
    with pytest.raises(AssertionError, match="exec"), nothing_runs():
        exec("1")  # noqa: S102
