"""One error hierarchy for the whole tool: every error is data (a message key, its arguments and a place).

Messages are looked up in the catalogues of :mod:`backprop_cli.messages`, so the same error can be shown
in English, German or Russian. ``exit_code`` is what the CLI exits with when the error reaches it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mark:
    """A place in a file: 1-based line and column."""

    file: str
    line: int
    col: int

    def shifted(self, offset: int) -> "Mark":
        """The mark ``offset`` characters further along the same line."""
        return Mark(self.file, self.line, self.col + offset)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class BackpropError(Exception):
    """Base of every designed error. ``key`` names a message in the catalogues; ``args`` fill it in."""

    exit_code = 2

    def __init__(self, key: str, mark: Mark | None = None, **args: Any):
        self.key = key
        self.mark = mark
        self.args_ = args
        super().__init__(key)

    def placed(self, mark: Mark | None) -> "BackpropError":
        """A copy of this error placed at ``mark``; an error that has a place keeps it. Errors are never
        edited once raised: whoever knows more raises a new, complete one."""
        return self if self.mark is not None or mark is None else self._copy(mark=mark)

    def _copy(self, **changes: Any) -> "BackpropError":
        new = copy.copy(self)
        new.__dict__.update(changes)
        return new

    def render(self, lang: str = "en") -> str:
        from backprop_cli.messages import render_error

        return render_error(self, lang)

    def __str__(self) -> str:
        return self.render("en")


class FormulaError(BackpropError):
    """An error inside one formula. ``text`` is the formula and ``pos`` the 0-based offset of the fault."""

    def __init__(self, key: str, text: str = "", pos: int | None = None, mark: Mark | None = None, **args: Any):
        super().__init__(key, mark, **args)
        self.text = text
        self.pos = pos

    def placed(self, mark: Mark | None) -> "BackpropError":
        """A copy at the fault's column inside the formula that starts at ``mark``."""
        return self if self.mark is not None or mark is None else self._copy(mark=mark.shifted(self.pos or 0))

    def in_formula(self, text: str) -> "FormulaError":
        """A copy that shows ``text`` as its formula, unless it already has one."""
        return self if self.text else self._copy(text=text)  # type: ignore[return-value]

    def in_equation(self, equation: str, mark: Mark | None) -> "FormulaError":
        """A copy that names the forward ``equation`` it came from and, unless placed, sits at ``mark``."""
        args = {"equation": equation, **self.args_}
        return self._copy(args_=args, mark=self.mark or mark)  # type: ignore[return-value]


class FormulaSyntaxError(FormulaError):
    """The formula cannot be read."""


class UnknownNameError(FormulaError):
    """The formula uses a name the exercise does not know."""


class ShapeError(FormulaError):
    """Shapes that do not fit, at one operator."""


class LimitError(FormulaError):
    """The formula exceeds a limit of SPEC section 10."""


class NotAllowedError(FormulaError):
    """The answer uses a symbol it may not use (SPEC section 7.2)."""


class EvaluationError(FormulaError):
    """The formula could not be evaluated to finite numbers."""


class InputError(BackpropError):
    """An unusable input file: bad YAML, schema violation, inconsistent exercise."""


class UsageError(BackpropError):
    """The command was called wrongly."""
