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
