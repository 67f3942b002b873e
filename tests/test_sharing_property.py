"""Property test of the share check against a direct reading of docs/design.md §2 rule 2.

Random authorisation sets (recipient or organisation, scope, validity window, revocation, use
limit and uses made), random sharing policy and document exclusion, random share requests: the
core allows a share exactly when the rule says so, and every refusal is audited.
"""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vault import audit
from vault.errors import ShareNotAuthorised
from vault.people import NewContactPoint, PersonFields

NOW = "2026-03-01T09:30:00.000Z"
BEFORE, AFTER, LATER = "2026-01-01", "2026-04-01", "2026-12-31"

grant = st.fixed_dictionaries({
    "to": st.sampled_from(["rec:A", "rec:B", "org:X", "org:Y"]),
    "scope": st.sets(st.sampled_from(["resume", "doc", "email", "phone"]), min_size=1),
    "window": st.sampled_from(["current", "open-ended", "expired", "future"]),
    "revoked": st.booleans(),
    "max_uses": st.sampled_from([None, 1, 2]),
    "uses": st.integers(min_value=0, max_value=2),
})
case = st.fixed_dictionaries({
    "grants": st.lists(grant, max_size=4),
    "locked": st.booleans(),
    "excluded": st.booleans(),
    "recipient": st.sampled_from(["A", "B", "C"]),
    "items": st.sets(st.sampled_from(["doc", "email", "phone"]), min_size=1),
})
ORG_OF = {"A": "X", "B": "Y", "C": None}
WINDOWS = {"current": (BEFORE, AFTER), "open-ended": (BEFORE, None), "expired": (BEFORE, "2026-02-01"),
           "future": (AFTER, LATER)}


def rule_allows(c: dict) -> bool:
    """docs/design.md §2 rule 2, read directly (windows are relative to NOW)."""
    if c["locked"] or ("doc" in c["items"] and c["excluded"]):
        return False
    for g in c["grants"]:
        kind, name = g["to"].split(":")
        if (kind == "rec" and name != c["recipient"]) or (kind == "org" and name != ORG_OF[c["recipient"]]):
            continue
        needs = {"resume" if i == "doc" else i for i in c["items"]}
        scope = {"resume" if s == "doc" else s for s in g["scope"]}
        if not needs <= scope or g["revoked"] or g["window"] in ("expired", "future"):
            continue
        if g["max_uses"] is not None and min(g["uses"], g["max_uses"]) >= g["max_uses"]:
            continue
        return True
    return False


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=case)
def test_the_check_allows_exactly_what_the_rule_allows(vault, c):
    if not vault.recipients.list():
        for name, org in (("A", "X"), ("B", "Y"), ("C", None)):
            vault.recipients.add(name, organisation=org)
    person = vault.people.add(PersonFields(full_name="Pat Property"),  # one new record per example
                              [NewContactPoint("email", "pat@example.com"), NewContactPoint("phone", "+1 415 555 0100")],
                              allow_duplicate=True)
    doc = vault.documents.add_bytes(person.id, b"Plain text resume of Pat", "pat.txt",
                                    prepared=("text/plain", _ok_text()))
    for g in c["grants"]:
        kind, name = g["to"].split(":")
        start, end = WINDOWS[g["window"]]
        scope = [f"document:{doc.uuid}" if s == "doc" else s for s in g["scope"]]
        auth = vault.authorisations.log(
            person.id, scope=scope, purpose="p", method="email", obtained_at=start, valid_until=end,
            max_uses=g["max_uses"], recipient=name if kind == "rec" else None,
            organisation=name if kind == "org" else None)
        with vault.transaction() as conn:  # uses already made: rows in the ledger
            for _ in range(min(g["uses"], g["max_uses"] or g["uses"])):
                conn.execute(
                    "INSERT INTO shares (uuid, person_id, recipient_id, authorisation_id, items, package_id, "
                    "package_sha256, created_at) VALUES (?, ?, (SELECT id FROM recipients LIMIT 1), ?, ?, ?, ?, ?)",
                    (str(uuid.uuid4()), person.id, auth.id, json.dumps([]), str(uuid.uuid4()), "0" * 64, NOW))
        if g["revoked"]:
            vault.authorisations.revoke(auth.uuid, "withdrawn")
    if c["excluded"]:
        vault.documents.set_shareable(doc.uuid, False)
    if c["locked"]:
        vault.people.set_sharing_policy(person.id, "locked")
    items = [f"document:{doc.uuid}" if i == "doc" else i for i in sorted(c["items"])]
    refused_before = audit.count_events(vault.conn, actions=["share.refused"])
    try:
        vault.authorisations.check(person.id, c["recipient"], items)
        allowed = True
    except ShareNotAuthorised:
        allowed = False
    event("allowed" if allowed else "refused")
    assert allowed == rule_allows(c), c
    assert audit.count_events(vault.conn, actions=["share.refused"]) == refused_before + (0 if allowed else 1)


def _ok_text():
    from vault.extraction import ExtractionResult

    return ExtractionResult(True, "Plain text resume of Pat")
