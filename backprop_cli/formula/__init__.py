"""The formula language of SPEC section 5: parse text into a typed AST and print it back."""
from backprop_cli.formula.ast import Bin, Call, Deriv, Equation, Expr, Name, Neg, Num, Pow, T  # noqa: F401
from backprop_cli.formula.parser import parse, parse_equation  # noqa: F401
