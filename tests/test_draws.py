"""The trials' random source (derive/draws.py): seeded, numpy's meanings, arrays of the asked shape, and
``check`` never loads numpy.random for an exercise of ordinary size."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from backprop_cli.derive.draws import LARGE, Draws
from backprop_cli.derive.numeric import draw_sizes, draw_value

from conftest import ROOT


@pytest.mark.parametrize("size", [(3,), (2, 5), (1, 1), (LARGE + 1,), (70, 70)])
def test_arrays_have_the_asked_shape_and_range(size):
    """uniform, normal, choice and integers give arrays of ``size`` within numpy's ranges (high excluded)."""
    d = Draws(7)
    u = d.uniform(0.5, 2.0, size)
    assert u.shape == size and u.dtype == float and np.all((u >= 0.5) & (u <= 2.0))
    n = d.normal(0.0, 1.0, size)
    assert n.shape == size and np.all(np.isfinite(n)) and np.unique(n).size > min(1, n.size - 1)
    c = d.choice([-1.0, 1.0], size)
    assert c.shape == size and set(np.unique(c)) <= {-1.0, 1.0}
    i = d.integers(0, 2, size)
    assert i.shape == size and set(np.unique(i)) <= {0, 1}
    assert set(np.unique(d.integers(3, size=size))) <= {0, 1, 2}


def test_scalars_without_a_size():
    """Without a size the calls give one number, as numpy's Generator does."""
    d = Draws(1)
    assert 0.5 <= d.uniform(0.5, 1.5) <= 1.5
    assert 0 <= d.integers(4) < 4 and isinstance(d.integers(4), int)
    assert d.choice([3.0]) == 3.0
    assert sorted(d.permutation(range(2, 8)).tolist()) == list(range(2, 8))


@pytest.mark.parametrize("size", [(4, 3), (LARGE * 2,)])
def test_the_same_seed_draws_the_same_numbers(size):
    """Two sources of one seed agree, small arrays and large ones (drawn by numpy from the same stream)."""
    a, b = Draws(42), Draws(42)
    np.testing.assert_array_equal(a.normal(0, 1, size), b.normal(0, 1, size))
    np.testing.assert_array_equal(a.uniform(0, 1, size), b.uniform(0, 1, size))
    assert not np.array_equal(Draws(43).normal(0, 1, size), Draws(42).normal(0, 1, size))


def test_trial_values_keep_their_domains():
    """draw_value with Draws keeps every domain: positive, nonzero, unit, onehot, binary, probability, real."""
    d = Draws(3)
    assert np.all(draw_value((3, 4), "positive", d) > 0)
    assert np.all(draw_value((3, 4), "nonzero", d) != 0)
    unit = draw_value((3, 4), "unit", d)
    assert np.all((unit > 0) & (unit < 1))
    assert draw_value((1, 5), "onehot", d).sum() == 1.0
    assert np.all(draw_value((4, 3), "onehot", d).sum(axis=1) == 1.0)
    assert set(np.unique(draw_value((6, 6), "binary", d))) <= {0.0, 1.0}
    np.testing.assert_allclose(draw_value((3, 4), "probability", d).sum(axis=1), 1.0)
    assert np.all(np.abs(draw_value((5, 5), "real", d)) >= 0.05)
    sizes = draw_sizes(["m", "n", "k"], d)
    assert len(set(sizes.values())) == 3 and all(2 <= s <= 7 for s in sizes.values())


def test_check_does_not_load_numpy_random_or_openssl():
    """A cold ``check`` of the bank's affine exercise imports neither numpy.random (about 10 ms of start-up)
    nor hashlib's OpenSSL (about 2 ms): its fingerprint is CPython's own sha256."""
    code = ("import sys\nfrom backprop_cli.cli import main\ntry:\n    main(['check', 'affine', '--format', 'json'])\n"
            "except SystemExit:\n    pass\nprint('LOADED' if {'numpy.random', '_hashlib'} & set(sys.modules) else 'NOT LOADED', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stderr.strip().splitlines()[-1] == "NOT LOADED"


def test_the_fingerprint_is_hashlibs_sha256():
    """The sha256 the fingerprint and the drawn numbers use is hashlib's, byte for byte (pinned fingerprints
    stay valid, and every student keeps their numbers)."""
    import hashlib

    from backprop_cli.exercise.fingerprint import sha256

    for data in (b"", b"abc", "ä∂J/∂c".encode("utf-8") * 1000):
        assert sha256(data) == hashlib.sha256(data).digest()
        assert sha256(data).hex() == hashlib.sha256(data).hexdigest()
