"""Lets you normalise the spellings of names: Greek letters and subscripts (functions: :mod:`vocabulary`)."""
from __future__ import annotations

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "omicron": "ο", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SPELLED = {v: k for k, v in GREEK.items()}
_BY_LENGTH = sorted(GREEK, key=len, reverse=True)
_BY_FIRST = {c: [w for w in _BY_LENGTH if w[0] == c] for c in {w[0] for w in GREEK}}   # only these can match
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def canonical_name(raw: str) -> str:
    """``theta_1`` → ``θ_1``, ``W₁`` → ``W1``: one spelling per name."""
    name = raw.translate(_SUBSCRIPTS)
    for word in _BY_FIRST.get(name[:1], ()):
        if name.startswith(word):
            rest = name[len(word):]
            if rest == "" or rest[0].isdigit() or rest[0] == "_":
                return GREEK[word] + rest
    return name


def spelled_name(name: str) -> str:
    """``θ_1`` → ``theta_1``: the ASCII spelling of a name (re-parses to the same name)."""
    if name and name[0] in SPELLED and (len(name) == 1 or name[1].isdigit() or name[1] == "_"):
        return SPELLED[name[0]] + name[1:]
    return name


def close_spellings(name: str, known: list[str], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """Up to ``n`` known names ``name`` is a plausible misspelling of, closest first: ``sigmod`` → sigmoid,
    ``xyp`` → xpy, ``sigm`` → sigmoid; never ``f`` for ``foo``. A spelling is plausible when it is at most
    one edit (a letter added, dropped, changed or two swapped) per three letters written, at least one, away,
    or when what was written is the start (three letters or more) of the name. Fewest edits first; of equally
    close ones, the one with the same letters swapped (``tahn`` → tanh, not tan), then the most alike."""
    import difflib

    close = difflib.get_close_matches(name, known, n=len(known), cutoff=cutoff)
    edits = {k: _edits(name, k) for k in close}
    fit = [k for k in close if edits[k] <= max(1, round(len(name) / 3)) or (len(name) >= 3 and k.startswith(name))]
    return sorted(fit, key=lambda k: (edits[k], sorted(k) != sorted(name)))[:n]   # a swap first, then difflib's


def _edits(a: str, b: str) -> int:
    """The edit distance from ``a`` to ``b`` counting a swap of two neighbouring letters as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]
