"""Preview, then apply: an import plan with an outcome for every card or row.

``plan_import`` reads the file, validates every record against the vault's own rules, looks
for duplicates and checks the suppression list, without writing anything. ``apply_plan`` then
writes the whole plan in ONE transaction (people, contact points, tags, photos, merges, and an
``import.applied`` audit event with counts only), so an import lands whole or not at all.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault import contact_points as cp
from vault.errors import Cancelled, ImportFailed, ValidationError
from vault.extraction import ExtractionResult
from vault.people import KINDS, MAX_TEXT, POLICIES, NewContactPoint, NewPerson, Person, PersonFields

from .csv_import import parse_csv
from .dedupe import MatchIndex, Target
from .records import MAX_FILE_BYTES, ParsedFile, Photo, PreparedRecord, SourceRecord
from .vcard import CardError, parse_vcards

if TYPE_CHECKING:
    from vault.store import Vault

FORMATS = ("vcard", "linkedin", "google", "outlook", "csv")
MERGE_FIELDS = ("given_name", "family_name", "organisation", "title", "headline")
OUTCOMES = ("new", "merge", "duplicate", "suppressed", "failed")
_PHOTO_NAMES = {"image/jpeg": "photo.jpg", "image/png": "photo.png", "image/gif": "photo.gif"}


@dataclass
class RowPlan:
    index: int
    label: str
    outcome: str
    name: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    matched_by: str = ""
    target: Target | None = None
    prepared: PreparedRecord | None = None
    changes: list[str] = field(default_factory=list)
    conflicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)  # field -> "incoming" to take the file's value
    person_uuid: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"item": self.label, "outcome": self.outcome, "name": self.name}
        if self.reason:
            data["reason"] = self.reason
        if self.matched_by:
            data["matched_by"] = self.matched_by
        if self.target is not None and self.target.row is not None:
            data["merged_into_item"] = self.target.row
        if self.changes:
            data["changes"] = self.changes
        if self.conflicts:
            data["conflicts"] = {k: {"current": a, "incoming": b} for k, (a, b) in self.conflicts.items()}
        if self.warnings:
            data["warnings"] = self.warnings
        if self.person_uuid:
            data["person"] = self.person_uuid
        return data


@dataclass
class ImportPlan:
    file_name: str
    format: str
    encoding: str
    notes: list[str]
    rows: list[RowPlan]
    kind: str
    region: str
    applied: bool = False
    #: The plan's phone parses, reused by its apply (``contact_points.parsing_many``).
    phone_parses: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        counts = {name: 0 for name in OUTCOMES}
        for row in self.rows:
            counts[row.outcome] += 1
        counts["duplicates"] = counts["merge"] + counts["duplicate"]
        counts["total"] = len(self.rows)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file_name, "format": self.format, "encoding": self.encoding, "applied": self.applied,
                "counts": self.counts(), "notes": self.notes, "rows": [r.to_json() for r in self.rows]}

    def human(self) -> str:
        c = self.counts()
        head = "Imported" if self.applied else "Preview (nothing written yet)"
        lines = [f"{head}: {self.file_name} as {self.format}: {c['new']} new, {c['merge']} merged, "
                 f"{c['duplicate']} already present, {c['suppressed']} suppressed, {c['failed']} failed."]
        lines.extend(f"  note: {n}" for n in self.notes)
        verbs = {"new": "import" if not self.applied else "imported", "merge": "merge", "duplicate": "skip",
                 "suppressed": "skip", "failed": "fail"}
        for row in self.rows:
            text = f"  {row.label:>9}  {verbs[row.outcome]:8}  {row.name or '(no name)'}"
            if row.outcome in ("merge", "duplicate"):
                text += f"  — same {row.matched_by} as " + (
                    f"card/row {row.target.row} of this file" if row.target and row.target.row is not None
                    else "a person in the vault")
                if row.changes:
                    text += f"; adds {', '.join(row.changes)}"
                elif row.outcome == "duplicate":
                    text += "; nothing new"
            if row.reason:
                text += f"  — {row.reason}"
            lines.append(text)
            lines.extend(f"               ! {w}" for w in row.warnings)
        return "\n".join(lines)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector rescans the whole heap as allocations pile up; an import
    allocates millions of short-lived objects (cards, rows, keys, a 100,000-person match index)
    and the rescans cost about a second of a 10,000-card import. Reference counting still frees
    everything; only the cycle hunt waits until the call returns."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def detect_format(data: bytes, file_name: str) -> str:
    lowered = file_name.lower()
    if lowered.endswith((".vcf", ".vcard")):
        return "vcard"
    head = data[:4096].replace(b"\x00", b"").upper()
    if b"BEGIN:VCARD" in head:
        return "vcard"
    # Which exporter wrote the CSV only names it in the report; columns are read the same way.
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"NOTES:") or b"CONNECTED ON" in head:
        return "linkedin"
    if b"E-MAIL 1 - VALUE" in head or b"GROUP MEMBERSHIP" in head:
        return "google"
    if b"E-MAIL ADDRESS" in head and (b"BUSINESS" in head or b"E-MAIL 2 ADDRESS" in head) or b"E-MAIL-ADRESSE" in head:
        return "outlook"
    return "csv"


def read_import_file(path: str | os.PathLike[str]) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed(str(path), f"the file is {size / 1_048_576:.0f} MB; the limit is 50 MB")
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(str(path), f"it cannot be read ({exc.strerror or exc})") from exc


def parse_file(data: bytes, file_name: str, fmt: str | None, mapping: Mapping[str, str] | None) -> ParsedFile:
    fmt = fmt or detect_format(data, file_name)
    if fmt not in FORMATS:
        raise ValidationError("--format", f"must be one of {', '.join(FORMATS)}")
    try:
        if fmt == "vcard":
            return parse_vcards(data)
        return parse_csv(data, fmt, mapping)
    except CardError as exc:
        raise ImportFailed(file_name, str(exc)) from exc


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def prepare_record(record: SourceRecord, *, kind: str, region: str, file_name: str,
                   keys: dict[tuple[str, str], tuple[str, str]] | None = None) -> PreparedRecord:
    """Validate a record into vault types. Bad contact points are dropped with a warning;
    raises ``ValidationError`` when the record as a whole cannot become a person. ``keys``, when
    given, learns each kept point's match key (by kind and stored value), as ``_key`` gives it."""
    warnings = list(record.warnings)
    points: list[NewContactPoint] = []
    seen: set[tuple[str, str]] = set()
    for point_kind, pairs in (("email", record.emails), ("phone", record.phones), ("link", record.links),
                              ("address", record.addresses)):
        for value, label in pairs:
            try:
                stored, key = cp.normalise(point_kind, value, region)
            except ValidationError as exc:
                warnings.append(f"{point_kind} dropped: {exc.problem}")
                continue
            if (point_kind, key) in seen:
                continue
            seen.add((point_kind, key))
            if keys is not None:
                keys[(point_kind, stored)] = (point_kind, key)
            source, outreach = record.restrictions.get((point_kind, value), ("", ""))
            if source not in cp.SOURCES:  # our own export names where it came from; keep that
                source = "imported-file"
            points.append(NewContactPoint(point_kind, stored, label=label[:60], source=source,
                                          source_detail=file_name,
                                          outreach=outreach if outreach in cp.OUTREACH else "ok"))
    full_name = record.full_name if _has_letter(record.full_name) else ""
    if not full_name:
        full_name = " ".join(p for p in (record.given_name, record.family_name) if p)
    if not _has_letter(full_name):
        if record.organisation and _has_letter(record.organisation):
            full_name = record.organisation
            warnings.append("no person name; the organisation is used as the name")
        else:
            first_email = next((p.value for p in points if p.kind == "email"), "")
            if not first_email:
                raise ValidationError("name", "has no name, organisation or valid e-mail address to name it by")
            full_name = first_email
            warnings.append("no name; the e-mail address is used as the name")
    values = {"full_name": full_name, "given_name": record.given_name, "family_name": record.family_name,
              "organisation": record.organisation, "title": record.title, "headline": record.headline,
              "notes": record.notes}
    for name, value in values.items():
        if len(value) > MAX_TEXT[name]:
            if name == "notes":
                raise ValidationError("notes", f"are longer than {MAX_TEXT[name]} characters")
            values[name] = value[:MAX_TEXT[name]]
            warnings.append(f"{name} was cut to {MAX_TEXT[name]} characters")
        if "\x00" in values[name]:
            values[name] = values[name].replace("\x00", "")
    tags: list[str] = []
    for tag in record.tags:
        tag = " ".join(tag.split())
        if not tag:
            continue
        if len(tag) > 60:
            warnings.append("a tag longer than 60 characters was dropped")
            continue
        if tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    person_kind = record.kind if record.kind in KINDS else kind
    policy = record.sharing_policy if record.sharing_policy in POLICIES else None
    fields = PersonFields(kind=person_kind, sharing_policy=policy, **values)
    return PreparedRecord(fields, points, tags, record.photo, warnings)


@dataclass
class _State:
    """What a matched person will look like once the rows planned so far are applied."""

    fields: dict[str, str]
    keys: set[tuple[str, str]]
    tags: set[str]
    has_photo: bool
    #: Restrictions: points marked do-not-contact, points from an old document, a locked policy.
    restricted: set[tuple[str, str, str]] = field(default_factory=set)
    locked: bool = False


def _restrictions(points: Any, key: Callable[[Any], tuple[str, str]]) -> set[tuple[str, str, str]]:
    out = set()
    for p in points:
        if p.outreach == "do-not-contact":
            out.add((*key(p), "do-not-contact"))
        if p.source == "old-document":
            out.add((*key(p), "old-document"))
    return out


def _state_of_person(person: Person, has_photo: bool) -> _State:
    return _State({f: getattr(person, f) for f in (*MERGE_FIELDS, "notes", "full_name")},
                  {(p.kind, p.normalized) for p in person.contact_points}, {t.lower() for t in person.tags},
                  has_photo, _restrictions(person.contact_points, lambda p: (p.kind, p.normalized)),
                  person.sharing_policy == "locked")


def _state_of_record(prepared: PreparedRecord, key: Callable[[NewContactPoint], tuple[str, str]]) -> _State:
    fields = {f: getattr(prepared.fields, f) or "" for f in (*MERGE_FIELDS, "notes", "full_name")}
    return _State(fields, {key(p) for p in prepared.points}, {t.lower() for t in prepared.tags},
                  prepared.photo is not None, _restrictions(prepared.points, key),
                  prepared.fields.sharing_policy == "locked")


def _key(point: NewContactPoint, region: str) -> tuple[str, str]:
    """The match key of a point, normalised in the import's region as the vault stores it (a
    number that is only possible in some regions keys differently elsewhere)."""
    return point.kind, cp.normalise(point.kind, point.value, region)[1]


def _key_cache(cache: dict[tuple[str, str], tuple[str, str]],
               region: str) -> Callable[[NewContactPoint], tuple[str, str]]:
    """``_key`` remembered for one plan (a card's points are keyed several times while planning,
    and ``prepare_record`` fills ``cache`` as it validates them); the cache lives only as long as
    the planning call, so no contact values outlive it."""

    def key(point: NewContactPoint) -> tuple[str, str]:
        found = cache.get((point.kind, point.value))
        if found is None:
            found = cache[(point.kind, point.value)] = _key(point, region)
        return found

    return key


def _diff(state: _State, prepared: PreparedRecord, row: RowPlan,
          key: Callable[[NewContactPoint], tuple[str, str]]) -> None:
    """Fill ``row.changes``/``conflicts`` and advance ``state`` as if the merge were applied."""
    for name in MERGE_FIELDS:
        incoming = getattr(prepared.fields, name) or ""
        current = state.fields.get(name, "")
        if not incoming or incoming == current:
            continue
        if not current:
            row.changes.append(name)
            state.fields[name] = incoming
        else:
            row.conflicts[name] = (current, incoming)
    notes = prepared.fields.notes or ""
    if notes and notes not in state.fields.get("notes", ""):
        row.changes.append("notes")
        state.fields["notes"] = (state.fields.get("notes", "") + "\n\n" + notes).strip()
    tighter = {r for r in _restrictions(prepared.points, key) if r[:2] in state.keys} - state.restricted
    if tighter:  # a restriction the file holds is never lost in a merge
        row.changes.append(f"{len(tighter)} restriction(s)")
    state.restricted |= _restrictions(prepared.points, key)
    if prepared.fields.sharing_policy == "locked" and not state.locked:
        row.changes.append("sharing locked")
        state.locked = True
    new_points = [p for p in prepared.points if key(p) not in state.keys]
    if new_points:
        row.changes.append(f"{len(new_points)} contact point(s)")
        state.keys.update(key(p) for p in new_points)
    new_tags = [t for t in prepared.tags if t.lower() not in state.tags]
    if new_tags:
        row.changes.append(f"{len(new_tags)} tag(s)")
        state.tags.update(t.lower() for t in new_tags)
    if prepared.photo is not None and not state.has_photo:
        row.changes.append("photo")
        state.has_photo = True


def plan_import(
    vault: Vault,
    data: bytes,
    file_name: str,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    kind: str = "contact",
    region: str = "US",
) -> ImportPlan:
    """Read and check everything; write nothing."""
    phone_parses: dict[Any, Any] = {}
    with _collector_paused(), cp.parsing_many(phone_parses):
        plan = _plan(vault, data, file_name, fmt=fmt, mapping=mapping, kind=kind, region=region)
    plan.phone_parses = phone_parses
    return plan


def _plan(vault: Vault, data: bytes, file_name: str, *, fmt: str | None, mapping: Mapping[str, str] | None,
          kind: str, region: str) -> ImportPlan:
    from vault.suppression import Suppression

    if kind not in KINDS:
        raise ValidationError("--kind", "must be 'candidate' or 'contact'")
    file_name = os.path.basename(file_name) or "import"
    parsed = parse_file(data, file_name, fmt, mapping)
    index = MatchIndex.from_vault(vault)
    known_keys: dict[tuple[str, str], tuple[str, str]] = {}
    key_of = _key_cache(known_keys, region)
    suppression = Suppression(vault)
    row_states: dict[int, _State] = {}  # row index -> planned state of a new person
    into_vault: list[tuple[RowPlan, PreparedRecord]] = []  # rows matching someone in the vault
    rows: list[RowPlan] = []
    by_index: dict[int, RowPlan] = {}
    for item in parsed.items:
        row = RowPlan(item.index, item.label, "failed", warnings=list(item.warnings))
        rows.append(row)
        by_index[item.index] = row
        if item.record is None:
            row.reason = item.error
            row.name = item.name
            continue
        row.name = item.record.full_name or item.record.organisation
        try:
            prepared = prepare_record(item.record, kind=kind, region=region, file_name=file_name,
                                      keys=known_keys)
        except ValidationError as exc:
            row.reason = str(exc)
            continue
        row.warnings = prepared.warnings
        row.name = prepared.fields.full_name or ""
        row.prepared = prepared
        keys = [key_of(p) for p in prepared.points]
        if any(suppression.contains(k, v) for k, v in keys if k in ("email", "phone")):
            row.outcome = "suppressed"
            row.reason = ("an e-mail or phone of this person is on the suppression list (erased on request on "
                          f"{suppression.erased_on(keys)})")
            continue
        found = index.find(keys, prepared.fields.full_name or "", prepared.fields.organisation or "")
        if found is None:
            row.outcome = "new"
            target = Target(row=item.index)
            index.add_name(target, prepared.fields.full_name or "", prepared.fields.organisation or "")
            index.add_points(target, keys)
            row_states[item.index] = _state_of_record(prepared, key_of)
            continue
        target, how = found
        row.target, row.matched_by = target, how
        index.add_points(target, keys)
        if target.person_id is not None:
            into_vault.append((row, prepared))  # compared below, with everyone read at once
            continue
        assert target.row is not None
        _diff(row_states[target.row], prepared, row, key_of)
        row.outcome = "merge" if row.changes else "duplicate"
        if row.outcome == "merge":
            _fold_into(by_index[target.row].prepared, prepared, key_of)
    # What a row adds to someone already in the vault depends only on that person and the
    # earlier rows matching them, so these comparisons can wait until the loop is done.
    ids = {row.target.person_id for row, _ in into_vault if row.target and row.target.person_id}
    people = vault.people.get_many(ids)
    with_photo = vault.documents.people_with_role("photo", ids)
    states: dict[int, _State] = {}  # person_id -> planned state
    for row, prepared in into_vault:
        assert row.target is not None and row.target.person_id is not None
        person_id = row.target.person_id
        if person_id not in states:
            person = people.get(person_id) or vault.people.get(person_id)  # NotFound if gone
            states[person_id] = _state_of_person(person, person_id in with_photo)
        _diff(states[person_id], prepared, row, key_of)
        row.outcome = "merge" if row.changes else "duplicate"
    return ImportPlan(file_name, parsed.format, parsed.encoding, parsed.notes, rows, kind, region)


def keep_separate(plan: ImportPlan, index: int) -> RowPlan:
    """The user says card or row ``index`` is not the person in the vault it matched (a close
    name at the same organisation can be a namesake, a shared office phone two colleagues): it
    will be imported as a new person, and nothing of it is merged into the other. Later rows
    that matched the same person still merge; their listed changes were planned as if this one
    merged first, and the apply compares each with the person as stored, so nothing is lost."""
    if plan.applied:
        raise ValidationError("import", "this plan was applied already")
    row = next((r for r in plan.rows if r.index == index), None)
    if row is None:
        raise ValidationError("--keep-separate", f"the file has no card or row {index}")
    if row.outcome not in ("merge", "duplicate") or row.target is None or row.target.person_id is None \
            or row.prepared is None:
        raise ValidationError("--keep-separate", f"{row.label} does not match anyone already in the vault")
    row.outcome, row.target, row.matched_by = "new", None, ""
    row.changes, row.conflicts, row.choices = [], {}, {}
    row.warnings.append("kept separate from the person in the vault it resembled")
    return row


def _fold_into(first: PreparedRecord | None, other: PreparedRecord,
               key: Callable[[NewContactPoint], tuple[str, str]]) -> None:
    """A later row of the same file adds to the person an earlier row will create."""
    if first is None:
        return
    values = {}
    for name in (*MERGE_FIELDS, "notes"):
        mine = getattr(first.fields, name) or ""
        theirs = getattr(other.fields, name) or ""
        if name == "notes":
            values[name] = mine if (not theirs or theirs in mine) else (mine + "\n\n" + theirs).strip()
        else:
            values[name] = mine or theirs
    policy = "locked" if "locked" in (first.fields.sharing_policy, other.fields.sharing_policy) \
        else first.fields.sharing_policy
    first.fields = PersonFields(full_name=first.fields.full_name, kind=first.fields.kind, sharing_policy=policy,
                                **values)
    tighten = _restrictions(other.points, key)
    first.points[:] = [replace(p, outreach="do-not-contact") if (*key(p), "do-not-contact") in tighten else p
                       for p in first.points]
    first.points[:] = [replace(p, source="old-document") if (*key(p), "old-document") in tighten else p
                       for p in first.points]
    keys = {key(p) for p in first.points}
    first.points.extend(p for p in other.points if key(p) not in keys)
    lowered = {t.lower() for t in first.tags}
    first.tags.extend(t for t in other.tags if t.lower() not in lowered)
    if first.photo is None:
        first.photo = other.photo


def apply_plan(vault: Vault, plan: ImportPlan,
               progress: Callable[[int, int], bool | None] | None = None) -> ImportPlan:
    """Write the plan in one transaction. ``progress(done, total)`` may return False to cancel.

    New people are created in batches (``PeopleService.add_many``: the same validation, rows and
    one ``person.created`` event each), in file order, so they get the ids creating them one by
    one would give; a batch is cut short only for a row with a photo. Merges into people already
    in the vault follow, in file order, each reading its person afresh: a merge writes only to a
    person who was there before the import, so what it writes does not depend on the new people.
    """
    if plan.applied:
        raise ValidationError("import", "this plan was applied already")
    with _collector_paused(), cp.parsing_many(plan.phone_parses):
        _apply(vault, plan, progress)
    plan.phone_parses.clear()
    return plan


def _apply(vault: Vault, plan: ImportPlan, progress: Callable[[int, int], bool | None] | None) -> ImportPlan:
    created: dict[int, tuple[int, str]] = {}
    pending: list[RowPlan] = []
    total = len(plan.rows)

    def flush() -> None:
        if not pending:
            return
        people = [NewPerson(r.prepared.fields, r.prepared.points, r.prepared.tags)  # type: ignore[union-attr]
                  for r in pending]
        for row, (person_id, person_uuid) in zip(pending, vault.people.add_many(
                people, origin="import", region=plan.region), strict=True):
            created[row.index] = (person_id, person_uuid)
            row.person_uuid = person_uuid
        pending.clear()

    merges: list[RowPlan] = []  # into people already in the vault: written after the new people
    to_created: list[RowPlan] = []  # rows that name a person this import creates
    with vault.bulk_transaction():
        for done, row in enumerate(plan.rows, start=1):
            if row.outcome == "new" and row.prepared is not None:
                pending.append(row)
                if row.prepared.photo is not None:
                    flush()
                    _add_photo(vault, created[row.index][0], row.prepared.photo)
            elif row.outcome in ("merge", "duplicate") and row.target is not None:
                if row.target.row is not None:
                    to_created.append(row)
                elif row.outcome == "merge" and row.prepared is not None:
                    merges.append(row)
                else:
                    assert row.target.person_id is not None
                    row.person_uuid = vault.people.uuid_of(row.target.person_id)
            if len(pending) >= _BATCH:
                flush()
            if progress is not None and progress(done, total) is False:
                raise Cancelled()
        flush()
        # Read the people merged into once; one merged into twice is read again for its second.
        people = vault.people.get_many(r.target.person_id for r in merges if r.target and r.target.person_id)
        for row in merges:
            assert row.target is not None and row.target.person_id is not None
            person = people.pop(row.target.person_id, None) or vault.people.get(row.target.person_id)
            row.person_uuid = _merge_into(vault, person, row, plan.region)
        for row in to_created:
            assert row.target is not None and row.target.row is not None
            row.person_uuid = created.get(row.target.row, (0, None))[1]
        counts = plan.counts()
        vault.record("import.applied", "vault", vault.uuid,
                     {"format": plan.format, "new": counts["new"], "merged": counts["merge"],
                      "duplicate": counts["duplicate"], "suppressed": counts["suppressed"],
                      "failed": counts["failed"]})
    plan.applied = True
    return plan


#: New people written per ``add_many`` call at most (bounds the rows held in memory).
_BATCH = 1000


def _add_photo(vault: Vault, person_id: int, photo: Photo) -> None:
    vault.documents.add_bytes(person_id, photo.data, _PHOTO_NAMES.get(photo.mime_type, "photo"), role="photo",
                              make_default=False, prepared=(photo.mime_type, ExtractionResult(True, "")))


def _merge_into(vault: Vault, person: Person, row: RowPlan, region: str) -> str:
    """Field by field: fill what is empty, take the file's value where the user chose it, add
    every contact point and tag the person lacks, and append new notes. Returns their UUID."""
    prepared = row.prepared
    assert prepared is not None
    person_id = person.id
    updates: dict[str, str] = {}
    for name in MERGE_FIELDS:
        incoming = getattr(prepared.fields, name) or ""
        current = getattr(person, name)
        if incoming and (not current or row.choices.get(name) == "incoming"):
            if incoming != current:
                updates[name] = incoming
    if row.choices.get("full_name") == "incoming" and prepared.fields.full_name:
        updates["full_name"] = prepared.fields.full_name
    notes = prepared.fields.notes or ""
    if notes and notes not in person.notes:
        updates["notes"] = (person.notes + "\n\n" + notes).strip() if person.notes else notes
    if prepared.fields.sharing_policy == "locked" and person.sharing_policy != "locked":
        updates["sharing_policy"] = "locked"
    held = {(p.kind, p.normalized): p for p in person.contact_points}
    for point in prepared.points:
        current = held.get(_key(point, region))
        if current is None:
            continue
        tighter: dict[str, str] = {}
        if point.outreach == "do-not-contact" and current.outreach != "do-not-contact":
            tighter["outreach"] = "do-not-contact"
        if point.source == "old-document" and current.source != "old-document":
            tighter["source"] = "old-document"
        if tighter:
            vault.people.update_contact_point(current.uuid, region=region, outreach=tighter.get("outreach"),
                                              source=tighter.get("source"))
    have = {(p.kind, p.normalized) for p in person.contact_points}
    points: list[NewContactPoint] = []
    for point in prepared.points:
        if _key(point, region) not in have:
            points.append(point)
            have.add(_key(point, region))
    lowered = {t.lower() for t in person.tags}
    tags: list[str] = []
    for tag in prepared.tags:
        if tag.lower() not in lowered:
            tags.append(tag)
            lowered.add(tag.lower())
    vault.people.merge(person, PersonFields(**updates) if updates else None, points, tags, region)
    if prepared.photo is not None and not vault.documents.for_person(person_id, role="photo"):
        _add_photo(vault, person_id, prepared.photo)
    return person.uuid


def import_file(vault: Vault, path: str | os.PathLike[str], **options: Any) -> ImportPlan:
    """Plan and apply in one go (the CLI without --dry-run)."""
    data = read_import_file(path)
    plan = plan_import(vault, data, Path(path).name, **options)
    return apply_plan(vault, plan)
