"""Merging two records of the same person: field by field, keeping everything both hold.

The kept record takes, per field, its own value or the other's (chosen, or because its own is
empty); notes are joined; the stricter sharing policy wins. Every contact point, tag,
document, authorisation, share, introduction request and outreach entry of the other record
moves to the kept one, so the consent and submittal history stays whole; a contact point both
hold keeps the stricter flags (do-not-contact, from an old document). Then the other record is
deleted. One transaction, audited ``person.merged`` with both ids, field names and counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .people import PersonFields
from .suppression import admit

if TYPE_CHECKING:
    from .store import Vault

#: The fields a user chooses between, in the order dialogs show them.
CHOICE_FIELDS = ("full_name", "given_name", "family_name", "organisation", "title", "headline", "status",
                 "not_looking_until", "retention_until")


@dataclass(frozen=True)
class MergeReport:
    kept: str
    merged: str
    fields: list[str]
    moved: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.kept, "merged": self.merged, "fields": self.fields, "moved": self.moved}


def merge_people(vault: Vault, keep: str | int, other: str | int,
                 choices: Mapping[str, str] | None = None) -> MergeReport:
    """Merge ``other`` into ``keep``. ``choices[field] == "other"`` takes the other's value
    for that field; an empty field is always filled from the other."""
    choices = dict(choices or {})
    unknown = sorted(set(choices) - set(CHOICE_FIELDS))
    if unknown:
        raise ValidationError("field", f"'{unknown[0]}' cannot be chosen (choose from {', '.join(CHOICE_FIELDS)})")
    people = vault.people
    keep_id, other_id = people.resolve(keep), people.resolve(other)
    if keep_id == other_id:
        raise ValidationError("other", "that is the same record; choose two different people")
    with vault.transaction() as conn:
        kept, gone = people.get(keep_id), people.get(other_id)
        admit(vault, [(p.kind, p.normalized) for p in gone.contact_points], subject_uuid=kept.uuid, way="merge")
        updates: dict[str, Any] = {}
        for name in CHOICE_FIELDS:
            mine, theirs = getattr(kept, name), getattr(gone, name)
            if theirs and theirs != mine and (not mine or choices.get(name) == "other"):
                updates[name] = theirs
        if gone.notes and gone.notes not in kept.notes:
            updates["notes"] = f"{kept.notes}\n\n{gone.notes}".strip()
        if gone.sharing_policy == "locked" and kept.sharing_policy != "locked":
            updates["sharing_policy"] = "locked"
        if updates:
            people.update(keep_id, PersonFields(**updates))
        moved = {"contact_points": 0, "documents": 0, "authorisations": 0, "shares": 0, "outreach": 0,
                 "intro_requests": 0, "tags": 0}
        held = {(p.kind, p.normalized): p for p in kept.contact_points}
        for point in gone.contact_points:
            same = held.get((point.kind, point.normalized))
            if same is None:
                conn.execute("UPDATE contact_points SET person_id = ? WHERE id = ?", (keep_id, point.id))
                moved["contact_points"] += 1
                continue
            stricter = {}
            if point.outreach == "do-not-contact" and same.outreach != "do-not-contact":
                stricter["outreach"] = "do-not-contact"
            if point.source == "old-document" and same.source != "old-document":
                stricter["source"] = "old-document"
            if stricter:
                people.update_contact_point(same.uuid, outreach=stricter.get("outreach"), source=stricter.get("source"))
            conn.execute("UPDATE outreach SET contact_point_id = ? WHERE contact_point_id = ?", (same.id, point.id))
        moved["tags"] = conn.execute(
            "INSERT OR IGNORE INTO person_tags (person_id, tag_id) SELECT ?, tag_id FROM person_tags "
            "WHERE person_id = ?", (keep_id, other_id)).rowcount
        has_default = conn.execute("SELECT 1 FROM documents WHERE person_id = ? AND role = 'resume' AND "
                                   "is_default = 1", (keep_id,)).fetchone() is not None
        for doc_id, role, default in conn.execute(
                "SELECT id, role, is_default FROM documents WHERE person_id = ? ORDER BY role, version",
                (other_id,)).fetchall():
            version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM documents WHERE person_id = ? "
                                   "AND role = ?", (keep_id, role)).fetchone()[0]
            conn.execute("UPDATE documents SET person_id = ?, version = ?, is_default = ? WHERE id = ?",
                         (keep_id, version, int(bool(default) and not has_default), doc_id))
            moved["documents"] += 1
        # Authorisations are immutable; the schema lets a merge move them (and only that) while
        # merge_moves names this pair (schema.MIGRATION_4).
        conn.execute("INSERT INTO merge_moves (from_person, into_person) VALUES (?, ?)", (other_id, keep_id))
        moved["authorisations"] = conn.execute(
            "UPDATE authorisations SET person_id = ? WHERE person_id = ?", (keep_id, other_id)).rowcount
        conn.execute("DELETE FROM merge_moves WHERE from_person = ? AND into_person = ?", (other_id, keep_id))
        for table in ("shares", "outreach", "intro_requests"):
            moved[table] = conn.execute(f"UPDATE {table} SET person_id = ? WHERE person_id = ?",
                                        (keep_id, other_id)).rowcount
        vault.search.remove_person(other_id)
        conn.execute("DELETE FROM people WHERE id = ?", (other_id,))
        conn.execute("UPDATE people SET updated_at = ? WHERE id = ?", (vault.now(), keep_id))
        vault.search.reindex_person(keep_id)
        fields = sorted(updates)
        vault.record("person.merged", "person", kept.uuid, {"merged": gone.uuid, "fields": fields, **moved})
    return MergeReport(kept.uuid, gone.uuid, fields, moved)
