"""Numbered schema migrations, tracked by ``PRAGMA user_version``.

Each migration is applied in its own transaction together with its audit event. Never edit a
released migration: add the next number. A migration is SQL text, or a function of the
connection when it needs to read the schema first. ``tests/test_schema_migrations.py`` builds a
vault at every old schema from these very steps (vault files are never kept in git) and upgrades it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .connection import Connection
from .errors import VaultDamaged

MIGRATION_1 = r"""
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The vault owner: exactly one row. The private key never leaves this table.
CREATE TABLE owner (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    name         TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    public_key   BLOB NOT NULL,
    private_key  BLOB NOT NULL,
    key_id       BLOB NOT NULL,
    fingerprint  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- Vault-level settings that travel with the vault (retention period, represent window).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    website    TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organisations_name ON organisations(name COLLATE NOCASE);

CREATE TABLE people (
    id                INTEGER PRIMARY KEY,
    uuid              TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('candidate', 'contact')),
    full_name         TEXT NOT NULL,
    given_name        TEXT NOT NULL DEFAULT '',
    family_name       TEXT NOT NULL DEFAULT '',
    sort_name         TEXT NOT NULL,
    headline          TEXT NOT NULL DEFAULT '',
    organisation      TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'passive', 'placed', 'not-looking')),
    not_looking_until TEXT,
    retention_until   TEXT,
    sharing_policy    TEXT NOT NULL CHECK (sharing_policy IN ('on-authorisation', 'locked')),
    origin            TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX people_sort ON people(sort_name COLLATE NOCASE, id);
CREATE INDEX people_kind_sort ON people(kind, sort_name COLLATE NOCASE, id);
CREATE INDEX people_org ON people(organisation COLLATE NOCASE, id);
CREATE INDEX people_updated ON people(updated_at, id);
CREATE INDEX people_retention ON people(retention_until);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE person_tags (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX person_tags_tag ON person_tags(tag_id, person_id);

CREATE TABLE contact_points (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'address', 'link')),
    value         TEXT NOT NULL,
    normalized    TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_detail TEXT NOT NULL DEFAULT '',
    obtained_on   TEXT,
    outreach      TEXT NOT NULL DEFAULT 'ok' CHECK (outreach IN ('ok', 'do-not-contact')),
    created_at    TEXT NOT NULL
);
CREATE INDEX contact_points_person ON contact_points(person_id);
CREATE INDEX contact_points_norm ON contact_points(kind, normalized);
CREATE INDEX contact_points_dnc ON contact_points(outreach, person_id);

-- Resumes and evidence. Metadata here; the encrypted bytes in document_blobs so listing
-- documents never pages blobs in.
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role        TEXT NOT NULL DEFAULT 'resume' CHECK (role IN ('resume', 'evidence', 'photo', 'other')),
    file_name   TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    shareable   INTEGER NOT NULL DEFAULT 1,
    text_status TEXT NOT NULL CHECK (text_status IN ('extracted', 'failed', 'empty')),
    text_error  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX documents_person ON documents(person_id, role, version);

CREATE TABLE document_blobs (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    data        BLOB NOT NULL
);

CREATE TABLE document_text (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    text        TEXT NOT NULL
);

-- One row per person (rowid = people.id), rewritten in the same transaction as any change.
CREATE VIRTUAL TABLE search_index USING fts5(
    names, work, contact, tags, notes, resume,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TABLE recipients (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    organisation_id INTEGER REFERENCES organisations(id),
    public_key      TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX recipients_org ON recipients(organisation_id);

-- Consent. Immutable once logged (trigger below); only revocation fields may be set, once.
CREATE TABLE authorisations (
    id                   INTEGER PRIMARY KEY,
    uuid                 TEXT NOT NULL UNIQUE,
    person_id            INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    recipient_id         INTEGER REFERENCES recipients(id),
    organisation_id      INTEGER REFERENCES organisations(id),
    scope                TEXT NOT NULL,
    purpose              TEXT NOT NULL,
    method               TEXT NOT NULL CHECK (method IN ('email', 'phone', 'in-person', 'written', 'form', 'upstream')),
    evidence_document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    evidence_note        TEXT NOT NULL DEFAULT '',
    obtained_at          TEXT NOT NULL,
    valid_until          TEXT,
    max_uses             INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
    recorded_by          TEXT NOT NULL,
    upstream             TEXT,
    revoked_at           TEXT,
    revoked_reason       TEXT,
    created_at           TEXT NOT NULL,
    CHECK ((recipient_id IS NULL) <> (organisation_id IS NULL))
);
CREATE INDEX authorisations_person ON authorisations(person_id);
CREATE INDEX authorisations_valid ON authorisations(valid_until);

CREATE TRIGGER authorisations_immutable BEFORE UPDATE ON authorisations
WHEN OLD.revoked_at IS NOT NULL
  OR NEW.uuid IS NOT OLD.uuid OR NEW.person_id IS NOT OLD.person_id
  OR NEW.recipient_id IS NOT OLD.recipient_id OR NEW.organisation_id IS NOT OLD.organisation_id
  OR NEW.scope IS NOT OLD.scope OR NEW.purpose IS NOT OLD.purpose OR NEW.method IS NOT OLD.method
  OR NEW.evidence_note IS NOT OLD.evidence_note OR NEW.obtained_at IS NOT OLD.obtained_at
  OR NEW.valid_until IS NOT OLD.valid_until OR NEW.max_uses IS NOT OLD.max_uses
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.upstream IS NOT OLD.upstream
  OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'authorisations are immutable once logged');
END;

-- The submittal ledger: one row per package made.
CREATE TABLE shares (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT NOT NULL UNIQUE,
    person_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    recipient_id     INTEGER NOT NULL REFERENCES recipients(id),
    organisation_id  INTEGER REFERENCES organisations(id),
    authorisation_id INTEGER NOT NULL REFERENCES authorisations(id) ON DELETE CASCADE,
    items            TEXT NOT NULL,
    purpose          TEXT NOT NULL DEFAULT '',
    package_id       TEXT NOT NULL,
    package_sha256   TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX shares_person ON shares(person_id, created_at);
CREATE INDEX shares_authorisation ON shares(authorisation_id);

CREATE TABLE intro_requests (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT NOT NULL UNIQUE,
    person_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    recipient_id     INTEGER REFERENCES recipients(id),
    requester        TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    requested_at     TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'authorised', 'declined', 'fulfilled')),
    answer_note      TEXT NOT NULL DEFAULT '',
    answered_at      TEXT,
    authorisation_id INTEGER REFERENCES authorisations(id) ON DELETE SET NULL
);
CREATE INDEX intro_requests_person ON intro_requests(person_id);

CREATE TABLE outreach (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT NOT NULL UNIQUE,
    person_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    contact_point_id INTEGER REFERENCES contact_points(id) ON DELETE SET NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('call', 'email', 'message', 'meeting')),
    outcome          TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    at               TEXT NOT NULL
);
CREATE INDEX outreach_person ON outreach(person_id, at);

-- Keyed hashes (HMAC, secret in meta) of e-mails and phones of erased people.
CREATE TABLE suppression (
    digest     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- The append-only, hash-chained audit trail (see docs/audit-format.md).
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    details      TEXT NOT NULL,
    prev         TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit(subject_id, seq);
CREATE INDEX audit_action ON audit(action, seq);
CREATE INDEX audit_at ON audit(at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Signed commitments to the chain: (seq, hash, at) signed with the owner key.
CREATE TABLE checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""

#: The CHECK constraints of migration 1 that list more than two values. SQLite evaluates
#: ``x IN ('a', 'b', 'c')`` by building a temporary b-tree on every execution of an INSERT or
#: UPDATE; with ``cipher_memory_security`` every one of its allocations is locked and wiped, which
#: made these CHECKs half the cost of inserting a contact point. An OR chain is the same rule
#: without the temporary table.
_IN_LIST_CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("people", "status", ("active", "passive", "placed", "not-looking")),
    ("contact_points", "kind", ("email", "phone", "address", "link")),
    ("documents", "role", ("resume", "evidence", "photo", "other")),
    ("documents", "text_status", ("extracted", "failed", "empty")),
    ("authorisations", "method", ("email", "phone", "in-person", "written", "form", "upstream")),
    ("intro_requests", "status", ("pending", "authorised", "declined", "fulfilled")),
    ("outreach", "channel", ("call", "email", "message", "meeting")),
)


def _in_list_check(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"CHECK ({column} IN ({listed}))"


def _or_chain_check(column: str, values: tuple[str, ...]) -> str:
    chain = " OR ".join(f"{column} = '{value}'" for value in values)
    return f"CHECK ({chain})"


def migration_2(conn: Connection, path: str) -> None:
    """Same rules, cheaper writes: CHECK lists become OR chains, and the do-not-contact index
    holds only the do-not-contact points it serves. (``people_retention`` stays whole: being the
    smallest index of ``people``, mostly NULLs, it is what ``count(*)`` of the list reads.)

    A CHECK cannot be altered in place; SQLite's documented procedure for changing one without
    copying the table is to edit its text in ``sqlite_schema`` and bump ``schema_version``. The
    new text accepts exactly the rows the old one did, so no stored row changes meaning.
    """
    tables: dict[str, str] = {}
    for table, column, values in _IN_LIST_CHECKS:
        sql = tables.get(table) or conn.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
        old, new = _in_list_check(column, values), _or_chain_check(column, values)
        if sql.count(old) != 1:
            raise VaultDamaged(path, f"the {table} table does not have the schema version 1 defined")
        tables[table] = sql.replace(old, new)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.executemany("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
                         [(sql, table) for table, sql in tables.items()])
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    for statement in (
        "DROP INDEX contact_points_dnc",
        "CREATE INDEX contact_points_dnc ON contact_points(person_id) WHERE outreach = 'do-not-contact'",
    ):
        conn.execute(statement)
    for table in tables:
        # Reading each table re-parses the edited schema inside this transaction: a text SQLite
        # could not parse fails here and the whole step rolls back.
        conn.execute(f"SELECT 1 FROM {table} LIMIT 0").fetchall()


#: Blind CVs (issue 15): whether the person agreed to be named to the recipient. NULL on
#: authorisations logged before it was asked (and on new ones that leave it open); 0 makes every
#: share under the authorisation a blind CV.
MIGRATION_5 = """
ALTER TABLE authorisations ADD COLUMN may_name INTEGER CHECK (may_name IS NULL OR may_name = 0 OR may_name = 1);
CREATE TRIGGER authorisations_may_name_immutable BEFORE UPDATE OF may_name ON authorisations
WHEN NEW.may_name IS NOT OLD.may_name
BEGIN
    SELECT RAISE(ABORT, 'authorisations are immutable once logged');
END;
"""


MIGRATION_3_SQL = r"""
-- Who an authorisation names is fixed when it is logged (docs/design.md §2 rule 2): a recipient or
-- organisation that changes is a new record, and the old one points at it.
ALTER TABLE recipients ADD COLUMN superseded_by INTEGER REFERENCES recipients(id);
ALTER TABLE organisations ADD COLUMN superseded_by INTEGER REFERENCES organisations(id);

-- Which organisation a recipient belonged to, since when, and how they got there: 'created' (added
-- there), 'moved' (the explicit, audited move) or 'edited' (a correction, which never extends an
-- organisation-wide authorisation logged before it).
CREATE TABLE recipient_memberships (
    id              INTEGER PRIMARY KEY,
    recipient_id    INTEGER NOT NULL REFERENCES recipients(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    since           TEXT NOT NULL,
    until           TEXT,
    how             TEXT NOT NULL CHECK (how = 'created' OR how = 'moved' OR how = 'edited')
);
CREATE INDEX recipient_memberships_recipient ON recipient_memberships(recipient_id, since);

CREATE TRIGGER recipients_frozen BEFORE UPDATE OF name, email, organisation_id ON recipients
WHEN (NEW.name IS NOT OLD.name OR NEW.email IS NOT OLD.email OR NEW.organisation_id IS NOT OLD.organisation_id)
  AND (EXISTS (SELECT 1 FROM authorisations WHERE recipient_id = OLD.id)
       OR EXISTS (SELECT 1 FROM shares WHERE recipient_id = OLD.id))
BEGIN
    SELECT RAISE(ABORT, 'a recipient named by an authorisation or share is frozen');
END;

CREATE TRIGGER organisations_frozen BEFORE UPDATE OF name ON organisations
WHEN NEW.name IS NOT OLD.name
  AND (EXISTS (SELECT 1 FROM authorisations WHERE organisation_id = OLD.id)
       OR EXISTS (SELECT 1 FROM shares WHERE organisation_id = OLD.id)
       OR EXISTS (SELECT 1 FROM recipients r WHERE r.organisation_id = OLD.id
                  AND (EXISTS (SELECT 1 FROM authorisations a WHERE a.recipient_id = r.id)
                       OR EXISTS (SELECT 1 FROM shares s WHERE s.recipient_id = r.id))))
BEGIN
    SELECT RAISE(ABORT, 'an organisation named by an authorisation or share is frozen');
END;
"""


def migration_3(conn: Connection, path: str) -> None:
    """Frozen parties: supersession columns, membership history and the triggers above.

    Each recipient's current organisation becomes its first membership. When the audit trail shows
    the organisation was set by an edit (``recipient.updated`` naming ``organisation_id``), the
    membership starts at that edit and counts as 'edited', so an organisation-wide authorisation
    logged before it no longer covers a recipient moved in under it.
    """
    for statement in split_sql(MIGRATION_3_SQL):
        conn.execute(statement)
    edited = dict(conn.execute(
        "SELECT subject_id, max(at) FROM audit WHERE action = 'recipient.updated' "
        "AND details LIKE '%\"organisation_id\"%' GROUP BY subject_id").fetchall())
    rows = conn.execute("SELECT id, uuid, organisation_id, created_at FROM recipients "
                        "WHERE organisation_id IS NOT NULL").fetchall()
    conn.executemany(
        "INSERT INTO recipient_memberships (recipient_id, organisation_id, since, how) VALUES (?, ?, ?, ?)",
        [(rid, org, edited.get(uuid, created), "edited" if uuid in edited else "created")
         for rid, uuid, org, created in rows])


#: Issue 14: package ids are remembered apart from the people they brought (a replayed package
#: is refused even after its person was erased), and a merge of two people may move the older
#: record's authorisations to the kept one. The immutability trigger allows exactly that move,
#: nothing else, and only while ``merge_moves`` names the pair (inside the merge's transaction).
MIGRATION_4 = """
CREATE TABLE imported_packages (
    package_id  TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL
) WITHOUT ROWID;

INSERT OR IGNORE INTO imported_packages (package_id, imported_at)
SELECT substr(origin, 9), created_at FROM people WHERE origin LIKE 'package:%';

CREATE TABLE merge_moves (
    from_person INTEGER NOT NULL,
    into_person INTEGER NOT NULL,
    PRIMARY KEY (from_person, into_person)
) WITHOUT ROWID;

DROP TRIGGER authorisations_immutable;

CREATE TRIGGER authorisations_immutable BEFORE UPDATE ON authorisations
WHEN NOT (
       NEW.person_id IS NOT OLD.person_id
   AND EXISTS (SELECT 1 FROM merge_moves m WHERE m.from_person = OLD.person_id AND m.into_person = NEW.person_id)
   AND NEW.uuid IS OLD.uuid AND NEW.recipient_id IS OLD.recipient_id
   AND NEW.organisation_id IS OLD.organisation_id AND NEW.scope IS OLD.scope AND NEW.purpose IS OLD.purpose
   AND NEW.method IS OLD.method AND NEW.evidence_note IS OLD.evidence_note AND NEW.obtained_at IS OLD.obtained_at
   AND NEW.valid_until IS OLD.valid_until AND NEW.max_uses IS OLD.max_uses AND NEW.recorded_by IS OLD.recorded_by
   AND NEW.upstream IS OLD.upstream AND NEW.created_at IS OLD.created_at
   AND NEW.revoked_at IS OLD.revoked_at AND NEW.revoked_reason IS OLD.revoked_reason
   AND NEW.evidence_document_id IS OLD.evidence_document_id)
AND (OLD.revoked_at IS NOT NULL
  OR NEW.uuid IS NOT OLD.uuid OR NEW.person_id IS NOT OLD.person_id
  OR NEW.recipient_id IS NOT OLD.recipient_id OR NEW.organisation_id IS NOT OLD.organisation_id
  OR NEW.scope IS NOT OLD.scope OR NEW.purpose IS NOT OLD.purpose OR NEW.method IS NOT OLD.method
  OR NEW.evidence_note IS NOT OLD.evidence_note OR NEW.obtained_at IS NOT OLD.obtained_at
  OR NEW.valid_until IS NOT OLD.valid_until OR NEW.max_uses IS NOT OLD.max_uses
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.upstream IS NOT OLD.upstream
  OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'authorisations are immutable once logged');
END;
"""

Migration = str | Callable[[Connection, str], None]

def apply_migration(conn: Connection, step: Migration, path: str) -> None:
    """Run one step inside the caller's transaction (``executescript`` would commit behind it)."""
    if callable(step):
        step(conn, path)
        return
    for statement in split_sql(step):
        conn.execute(statement)


def split_sql(script: str) -> list[str]:
    """Split a migration into statements."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer.append(line)
        joined = "\n".join(buffer).strip()
        if joined and sqlite3.complete_statement(joined):
            statements.append(joined)
            buffer = []
    tail = "\n".join(buffer).strip()
    if tail:
        statements.append(tail)
    return statements


#: (version, step) in order. The vault's ``user_version`` is the last one applied.
MIGRATIONS: list[tuple[int, Migration]] = [
    (1, MIGRATION_1),
    (2, migration_2),
    (3, migration_3),
    (4, MIGRATION_4),
    (5, MIGRATION_5),
]

LATEST_VERSION = MIGRATIONS[-1][0]
