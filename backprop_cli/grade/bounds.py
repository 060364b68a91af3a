"""Lets the preparation of an exercise refuse references too large to compute for every check: the
bounds that concrete sizes must respect (SPEC section 10: every check of one file under 2 s)."""
from __future__ import annotations

from backprop_cli.derive.graph import Graph
from backprop_cli.derive.shapes import size_bound
from backprop_cli.errors import InputError
from backprop_cli.exercise.model import Question

#: A Jacobian is computed column by column, one forward pass per element of Y, and kept per trial:
#: its columns and numbers are bounded, so concrete sizes (an input of [300, 300]) cannot make every
#: check of the exercise take seconds and gigabytes. Dimension names are drawn small and always fit.
MAX_JACOBIAN_COLUMNS = 2_000
MAX_JACOBIAN_ELEMENTS = 200_000


def check_jacobian_size(graph: Graph, q: Question, kind: str, num: str | None, den: str, key: str) -> None:
    """An InputError at question ``q`` when its Jacobian dX/dY would exceed the bounds."""
    if kind == "shape" or num is None or num == graph.loss:
        return
    widest = max(8, len(graph.dims) + 2)            # the largest size numeric.draw_sizes gives a name
    columns = size_bound(graph.shapes[den], {}, widest)
    elements = columns * size_bound(graph.shapes[num], {}, widest)
    if columns > MAX_JACOBIAN_COLUMNS or elements > MAX_JACOBIAN_ELEMENTS:
        raise InputError("reference.jacobian_too_large", q.mark, question=key, elements=elements,
                         limit=MAX_JACOBIAN_ELEMENTS, columns=columns, max_columns=MAX_JACOBIAN_COLUMNS)
