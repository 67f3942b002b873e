"""The event hash is SHA-256 of RFC 8785 JSON: ``audit.canonical_json`` and the standalone
verifier's ``jcs`` both equal the ``rfc8785`` library on event-shaped values, and the fast
raw-row verifier agrees with the exact definition."""

from __future__ import annotations

import importlib.util
import string
import uuid

import rfc8785
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from vault import audit

_spec = importlib.util.spec_from_file_location("verify_audit", REPO / "scripts" / "verify_audit.py")
assert _spec and _spec.loader
verify_audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify_audit)

# Any Unicode scalar value (no lone surrogates), including controls, quotes, U+2028, emoji.
texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
keys = st.text(alphabet=string.printable, max_size=12)
ints = st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
scalars = st.none() | st.booleans() | ints | texts
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=20)
events = st.fixed_dictionaries({
    "seq": st.integers(min_value=1, max_value=2**53 - 1),
    "at": texts,
    "actor": texts,
    "action": st.sampled_from(sorted(audit.ACTIONS)),
    "subject": st.fixed_dictionaries({"type": texts, "id": texts}),
    "details": st.dictionaries(keys, values, max_size=6),
    "prev": texts,
})


@settings(max_examples=400, deadline=None)
@given(events)
def test_canonical_json_is_rfc8785_for_event_bodies(body):
    expected = rfc8785.dumps(body)
    assert audit.canonical_json(body) == expected
    assert verify_audit.jcs(body) == expected == verify_audit.jcs_fast(body)


@settings(max_examples=300, deadline=None)
@given(values)
def test_canonical_json_is_rfc8785_for_detail_values(value):
    assert audit.canonical_json(value) == rfc8785.dumps(value) == verify_audit.jcs(value) == verify_audit.jcs_fast(value)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(texts, st.dictionaries(keys, values, max_size=3)), min_size=1, max_size=6))
def test_fast_row_verifier_agrees_with_the_exact_definition(items):
    """Build a chain of raw rows the way ``append`` stores them; both verifiers accept it, and
    both reject the same first event once any stored field is altered."""
    rows, prev = [], audit.GENESIS
    for seq, (subject_id, details) in enumerate(items, 1):
        event = audit.AuditEvent(seq, "2026-03-01T09:30:00.000Z", "f" * 32, "person.updated", "person",
                                 subject_id, details, prev, "")
        digest = audit.event_hash(event.body())
        rows.append((seq, event.at, event.actor, event.action, "person", subject_id,
                     audit.canonical_json(details).decode(), prev, digest))
        prev = digest
    exact = audit.verify_events(audit.row_to_event(r) for r in rows)
    fast = audit.verify_rows(rows)
    assert exact.ok and fast == exact
    # Alter the subject id of the last row: both report that event.
    last = rows[-1]
    altered = [*rows[:-1], (*last[:5], last[5] + "x", *last[6:])]
    exact = audit.verify_events(audit.row_to_event(r) for r in altered)
    assert not exact.ok and audit.verify_rows(altered) == exact


def test_fast_verifier_accepts_non_canonical_stored_details_by_the_definition():
    """If stored details text is not in canonical form (e.g. spaces) the exact fallback decides."""
    body = {"seq": 1, "at": "t", "actor": "a", "action": "person.updated",
            "subject": {"type": "person", "id": str(uuid.uuid4())}, "details": {"b": 1, "a": [1, 2]},
            "prev": audit.GENESIS}
    digest = audit.event_hash(body)
    row = (1, "t", "a", "person.updated", "person", body["subject"]["id"], '{ "b": 1, "a": [1, 2] }',
           audit.GENESIS, digest)
    assert audit.verify_rows([row]).ok
    assert not audit.verify_rows([(*row[:6], '{"b":2,"a":[1,2]}', *row[7:])]).ok
