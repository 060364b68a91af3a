"""Tests for backprop_cli.exercise.yamlio: safe YAML loading with marks."""
from __future__ import annotations

import pytest
import yaml

from backprop_cli.exercise import yamlio
from backprop_cli.errors import InputError, Mark
from backprop_cli.exercise.yamlio import load_yaml, load_yaml_text, plain

LOADERS = [pytest.param(yaml.SafeLoader, id="python")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


@pytest.fixture(params=LOADERS, autouse=True)
def loader(request, monkeypatch):
    """Runs every test with the C loader and with the pure-Python one, which must agree."""
    monkeypatch.setattr(yamlio, "Loader", request.param)
    return request.param


def load(text: str):
    return load_yaml_text(text, "f.yaml")


def error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load(text)
    return info.value


def at(err: InputError) -> tuple[str, int, int]:
    return err.key, err.mark.line, err.mark.col


DOCUMENT = """\
id: affine
n: 3
x: 0.5
flag: yes
nothing: ~
empty:
quoted: '12'
sci: 1e-3
list: [1, 2.5, [3, 4]]
nested:
  - {a: 1, b: [x, y]}
  - text with ∂J/∂a
block: |
  line one
  line two
"""


def test_plain_equals_safe_load():
    """The plain data of a document is what yaml.safe_load gives."""
    assert plain(load(DOCUMENT)) == yaml.safe_load(DOCUMENT)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("a: 1", 1, id="int"),
        pytest.param("a: -4.0", -4.0, id="float"),
        pytest.param("a: true", True, id="bool"),
        pytest.param("a: ~", None, id="null"),
        pytest.param("a: '1'", "1", id="quoted-int"),
        pytest.param("a: 1e-3", "1e-3", id="yaml11-exponent-is-text"),
        pytest.param("a: !!str 5", "5", id="explicit-str-tag"),
        pytest.param("a: 2024-13-45", "2024-13-45", id="impossible-date-stays-text"),
    ],
)
def test_scalars_resolve_like_safe_load(text, value):
    """Scalars get the YAML 1.1 types that safe_load would give them."""
    assert load(text).value["a"].value == value


def test_marks_are_one_based_and_point_at_values_and_keys():
    """Each node and each key carries its 1-based line and column."""
    root = load(DOCUMENT)
    assert root.mark == Mark("f.yaml", 1, 1)
    assert root.value["x"].mark == Mark("f.yaml", 3, 4)
    assert root.key_mark("x") == Mark("f.yaml", 3, 1)
    item = root.value["nested"].value[0]
    assert item.mark == Mark("f.yaml", 11, 5)
    assert item.value["b"].value[1].mark == Mark("f.yaml", 11, 19)


@pytest.mark.parametrize(
    ("text", "col", "single"),
    [
        pytest.param("k: dJ/dc @ W^T", 4, True, id="plain"),
        pytest.param('k: "dJ/dc @ W^T"', 5, True, id="double-quoted"),
        pytest.param("k: 'dJ/dc @ W^T'", 5, True, id="single-quoted"),
        pytest.param('k: "a\\tb"', 5, False, id="escape"),
        pytest.param("k: 'it''s'", 5, False, id="doubled-quote"),
        pytest.param("k: |\n  a @ W\n", 4, False, id="block"),
        pytest.param("k: a @\n  W\n", 4, False, id="folded-plain"),
        pytest.param("k: !!str a @ W", 4, False, id="explicit-tag"),
    ],
)
def test_scalar_mark_and_single_line(text, col, single):
    """A scalar's mark is its first character, and is_single_line says whether offsets are exact."""
    node = load(text).value["k"]
    assert (node.mark.col, node.is_single_line) == (col, single)


def test_shifted_mark_finds_a_character_after_unicode():
    """Columns count characters, so shifting a single-line mark lands on the right character."""
    line = 'k: "∂J/∂c · Wᵀ"'
    node = load(line).value["k"]
    offset = node.value.index("W")
    assert node.mark.shifted(offset).col == line.index("W") + 1


def test_empty_document_is_none():
    """An empty file is a None node at 1:1."""
    assert load("# only a comment\n").value is None


def test_bom_is_ignored():
    """A UTF-8 byte order mark does not disturb the marks."""
    assert load("\ufeffa: 1").value["a"].mark == Mark("f.yaml", 1, 4)


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""


@pytest.mark.parametrize(
    ("text", "key", "line", "col"),
    [
        pytest.param(BILLION_LAUGHS, "yaml.anchor", 1, 4, id="billion-laughs"),
        pytest.param("a: [1]\nb: *a\n", "yaml.alias", 2, 4, id="alias"),
        pytest.param("x: &x 1\n", "yaml.anchor", 1, 4, id="scalar-anchor"),
        pytest.param('!!python/object/apply:os.system ["echo hi"]', "yaml.tag", 1, 1, id="os-system"),
        pytest.param("a:\n  b: !!python/object/apply:os.system [ls]", "yaml.tag", 2, 6, id="nested-os-system"),
        pytest.param("a: !!python/name:os.system", "yaml.tag", 1, 4, id="python-name"),
        pytest.param("a: !custom 1", "yaml.tag", 1, 4, id="custom-tag"),
        pytest.param("a: !!binary aGk=", "yaml.tag", 1, 4, id="binary-tag"),
        pytest.param("a: !!set {x}", "yaml.tag", 1, 4, id="set-tag"),
        pytest.param("<<: {a: 1}", "yaml.tag", 1, 1, id="merge-key"),
        pytest.param("a: 1\nb: 2\na: 3\n", "yaml.duplicate_key", 3, 1, id="duplicate-top"),
        pytest.param("x:\n  a: 1\n  a: 2\n", "yaml.duplicate_key", 3, 3, id="duplicate-nested"),
        pytest.param("x: {a: 1, a: 2}", "yaml.duplicate_key", 1, 11, id="duplicate-flow"),
        pytest.param("a: [1, 2\n", "yaml.syntax", 2, 1, id="unclosed-list"),
        pytest.param("a: 'text\n", "yaml.syntax", 2, 1, id="unclosed-quote"),
        pytest.param("a:\n\tb: 1\n", "yaml.tab", 2, 1, id="tab-indent"),
        pytest.param("--- 1\n--- 2\n", "yaml.multiple_documents", 2, 1, id="two-documents"),
        pytest.param("? [1]\n: 2\n", "yaml.complex_key", 1, 3, id="list-as-key"),
        pytest.param("[" * 101 + "]" * 101, "yaml.too_deep", 1, 101, id="too-deep"),
        pytest.param("a: 1\nb: \x07", "yaml.control_char", 2, 4, id="control-char"),
        pytest.param("a: 1\nb: x\x00y", "yaml.binary", 2, 5, id="nul-in-text"),
    ],
)
def test_rejections_carry_key_and_mark(text, key, line, col):
    """Each unsafe or malformed document is an InputError at the right line and column."""
    assert at(error(text)) == (key, line, col)


def test_duplicate_key_names_key_and_first_line():
    """The duplicate-key message names the key and the line where it first appeared."""
    err = error("a: 1\nb: 2\na: 3\n")
    assert err.args_ == {"name": "a", "line": 1}
    assert str(err) == "f.yaml:3:1: duplicate key 'a' (first defined on line 1)"


def test_syntax_error_names_problem():
    """A syntax error passes on the parser's description of the problem."""
    assert "problem" in error("a: [1, 2\n").args_


def test_file_is_read_with_its_path_in_marks(tmp_path):
    """load_yaml reads a file and marks carry its path."""
    path = tmp_path / "ex.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(str(path)).value["a"].mark == Mark(str(path), 1, 4)


def test_large_file_is_rejected_before_reading(tmp_path, monkeypatch):
    """A 2 MB file is rejected by its size, without being parsed."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * (2 * 1024 * 1024) + b"\n")
    monkeypatch.setattr(yamlio, "load_yaml_text", lambda *a: pytest.fail("parsed a file that is too large"))
    with pytest.raises(InputError) as info:
        load_yaml(str(path))
    assert at(info.value) == ("yaml.too_large", 1, 1)
    assert info.value.args_["limit"] == 1024 * 1024


def test_binary_file_is_rejected(tmp_path):
    """A file with NUL bytes (here a PNG header) is not a text file."""
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError) as info:
        load_yaml(str(path))
    assert at(info.value) == ("yaml.binary", 3, 1)


def test_non_utf8_file_is_rejected_at_the_bad_byte(tmp_path):
    """Latin-1 text is reported at the first byte that is not UTF-8."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: x\ntitle: Übung\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_yaml(str(path))
    assert at(info.value) == ("yaml.not_utf8", 2, 8)
    assert info.value.args_["byte"] == "DC"


@pytest.mark.parametrize(
    ("name", "key"),
    [pytest.param("missing.yaml", "yaml.not_found", id="missing"), pytest.param(".", "yaml.unreadable", id="directory")],
)
def test_unreadable_paths(tmp_path, name, key):
    """A missing file or a directory is an InputError that names the path."""
    with pytest.raises(InputError) as info:
        load_yaml(str(tmp_path / name))
    assert info.value.key == key
    assert str(tmp_path) in str(info.value)


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

YAMLISH = st.text(alphabet=st.sampled_from(list(" \n\t-:?[]{},&*!|>'\"#%@`~0123456789.eEaxyz∂\x00\x07")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(YAMLISH, st.text(max_size=60)))
def test_any_text_loads_or_raises_input_error(text):
    """No text, however malformed, escapes as anything but an InputError with a mark."""
    try:
        plain(load_yaml_text(text, "f.yaml"))
    except InputError as err:
        assert err.mark is not None and err.mark.line >= 1 and err.mark.col >= 1
