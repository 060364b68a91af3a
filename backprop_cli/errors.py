"""One error hierarchy for the whole tool: every error is data (a message key, its arguments and a place).

Messages are looked up in the catalogues of :mod:`backprop_cli.messages`, so the same error can be shown
in English, German or Russian. ``exit_code`` is what the CLI exits with when the error reaches it.
"""
from __future__ import annotations

from dataclasses import dataclass


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

    def __init__(self, key: str, mark: Mark | None = None, **args):
        self.key = key
        self.mark = mark
        self.args_ = args
        super().__init__(key)

    def with_mark(self, mark: Mark | None) -> "BackpropError":
        """This error, placed at ``mark`` (kept if it already has a place)."""
        if self.mark is None:
            self.mark = mark
        return self

    def render(self, lang: str = "en") -> str:
        from backprop_cli.messages import render_error

        return render_error(self, lang)

    def __str__(self) -> str:
        return self.render("en")


class FormulaError(BackpropError):
    """An error inside one formula. ``text`` is the formula and ``pos`` the 0-based offset of the fault."""

    def __init__(self, key: str, text: str = "", pos: int | None = None, mark: Mark | None = None, **args):
        super().__init__(key, mark, **args)
        self.text = text
        self.pos = pos

    def with_mark(self, mark: Mark | None) -> "FormulaError":
        if self.mark is None and mark is not None:
            self.mark = mark.shifted(self.pos or 0)
        return self


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


class ValidationFailure(BackpropError):
    """``validate`` found a problem (exit code 1)."""

    exit_code = 1
