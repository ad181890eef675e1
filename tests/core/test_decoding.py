"""The quick look at a record's JSON text: it may send a sound record to the full check,
never let an unsound one past it."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from deskcli.core.base.decoding import MAX_DEPTH, json_problem, possible_problems

# Texts with lone surrogates, accents and backslashes, nested up to past MAX_DEPTH.
texts = st.text(alphabet=st.sampled_from(["a", "é", "\\", "u", "d", "8", "\ud800", "\udfff",
                                          "[", "{", "\U0001f5a5"]), max_size=8)
values = st.recursive(st.none() | st.integers() | texts,
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(texts, inner, max_size=3),
                      max_leaves=MAX_DEPTH * 2)


def deep(value, levels: int):
    for _ in range(levels):
        value = [value]
    return value


@settings(max_examples=400, deadline=None)
@given(values, st.integers(min_value=0, max_value=MAX_DEPTH + 3), st.booleans())
def test_what_the_quick_look_rules_out_the_full_walk_never_finds(value, levels, ascii_only):
    value = deep(value, levels)
    source = json.dumps(value, ensure_ascii=ascii_only)
    parsed = json.loads(source)
    texts_possible, nesting_possible = possible_problems(source)
    assert json_problem(parsed, texts=texts_possible, nesting=nesting_possible) == json_problem(parsed)


def test_a_sound_record_needs_no_walk():
    assert possible_problems(json.dumps({"summary": "Écran noir 🖥", "history": [{"a": 1}]},
                                        ensure_ascii=False)) == (False, False)
    assert possible_problems('{"note": "\\ud800"}') == (True, False)
    assert possible_problems('{"note": "\\uDFFF"}') == (True, False)
    assert possible_problems('{"note": "\\u00e9"}') == (False, False)
    assert possible_problems("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == (False, True)
