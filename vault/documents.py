"""Resumes and evidence files, stored as blobs inside the encrypted vault.

Adding a document sniffs its type, hashes it, extracts its text in a limited child process
(before the write transaction, so a slow parser never holds the database), then stores
metadata, bytes, text and the refreshed search row together with the audit event.
"""

from __future__ import annotations

import hashlib
import os
import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import sniff
from .atomic import staged_file
from .errors import DocumentTooLarge, NotFound, ValidationError
from .extraction import ExtractionResult, extract_text
from .lookup import resolve_id

if TYPE_CHECKING:
    from .store import Vault

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
ROLES = ("resume", "evidence", "photo", "other")


@dataclass(frozen=True)
class Document:
    id: int
    uuid: str
    person_id: int
    role: str
    file_name: str
    mime_type: str
    size: int
    sha256: str
    version: int
    is_default: bool
    shareable: bool
    text_status: str
    text_error: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "id": self.uuid}


_COLUMNS = ("id, uuid, person_id, role, file_name, mime_type, size, sha256, version, is_default, shareable, "
            "text_status, text_error, created_at")


def _row(row: tuple[Any, ...]) -> Document:
    values = list(row)
    values[9] = bool(values[9])
    values[10] = bool(values[10])
    return Document(*values)


def safe_file_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip() or "document"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*')
    return base[:200] or "document"


class DocumentService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    @property
    def max_bytes(self) -> int:
        return int(self.vault.setting("documents.max_bytes", str(DEFAULT_MAX_BYTES)) or DEFAULT_MAX_BYTES)

    def add_file(self, person: str | int, path: str | os.PathLike[str], **kwargs: Any) -> Document:
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ValidationError("file", f"{path} cannot be read ({exc.strerror})") from exc
        if size > self.max_bytes:
            raise DocumentTooLarge(path.name, size, self.max_bytes)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError("file", f"{path} cannot be read ({exc.strerror})") from exc
        return self.add_bytes(person, data, path.name, **kwargs)

    def prepare(self, data: bytes, file_name: str) -> tuple[str, ExtractionResult]:
        """Sniff and extract outside any transaction (the slow part)."""
        if len(data) > self.max_bytes:
            raise DocumentTooLarge(file_name, len(data), self.max_bytes)
        mime = sniff.sniff(data, file_name)
        return mime, extract_text(data, mime)

    def add_bytes(
        self,
        person: str | int,
        data: bytes,
        file_name: str,
        *,
        role: str = "resume",
        make_default: bool | None = None,
        prepared: tuple[str, ExtractionResult] | None = None,
    ) -> Document:
        if role not in ROLES:
            raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
        person_id = self.vault.people.resolve(person)
        file_name = safe_file_name(file_name)
        mime, result = prepared or self.prepare(data, file_name)
        digest = hashlib.sha256(data).hexdigest()
        status = "extracted" if result.ok and result.text else ("empty" if result.ok else "failed")
        now = self.vault.now()
        doc_uuid = str(uuidlib.uuid4())
        with self.vault.transaction() as conn:
            version = conn.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM documents WHERE person_id = ? AND role = ?",
                (person_id, role),
            ).fetchone()[0]
            has_default = conn.execute(
                "SELECT 1 FROM documents WHERE person_id = ? AND role = 'resume' AND is_default = 1", (person_id,)
            ).fetchone()
            default = role == "resume" and (make_default if make_default is not None else True)
            if default and has_default:
                conn.execute("UPDATE documents SET is_default = 0 WHERE person_id = ? AND role = 'resume'", (person_id,))
            cur = conn.execute(
                f"INSERT INTO documents ({_COLUMNS.replace('id, ', '', 1)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_uuid, person_id, role, file_name, mime, len(data), digest, version, int(default), 1, status,
                 result.error, now),
            )
            doc_id = cur.lastrowid
            conn.execute("INSERT INTO document_blobs (document_id, data) VALUES (?, ?)", (doc_id, data))
            if result.ok and result.text:
                conn.execute("INSERT INTO document_text (document_id, text) VALUES (?, ?)", (doc_id, result.text))
            conn.execute("UPDATE people SET updated_at = ? WHERE id = ?", (now, person_id))
            self.vault.record(
                "document.added", "person", self.vault.people.uuid_of(person_id),
                {"document": doc_uuid, "role": role, "mime_type": mime, "size": len(data), "sha256": digest,
                 "version": version, "text": status},
            )
            self.vault.search.reindex_person(person_id)
        return self.get(doc_uuid)

    def resolve(self, ident: str | int) -> int:
        return resolve_id(self.vault.conn, "documents", "document", ident)

    def get(self, ident: str | int) -> Document:
        doc_id = self.resolve(ident)
        return _row(self.vault.conn.execute(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone())

    def for_person(self, person: str | int, role: str | None = None) -> list[Document]:
        person_id = self.vault.people.resolve(person)
        sql = f"SELECT {_COLUMNS} FROM documents WHERE person_id = ?"
        params: list[Any] = [person_id]
        if role:
            sql += " AND role = ?"
            params.append(role)
        sql += " ORDER BY role, version DESC"
        return [_row(r) for r in self.vault.conn.execute(sql, params)]

    def people_with_role(self, role: str, person_ids: set[int]) -> set[int]:
        """Which of these people hold a document of ``role`` (an import asks about a thousand
        people's photos at once), read 500 ids at a time."""
        wanted = sorted(person_ids)
        found: set[int] = set()
        for start in range(0, len(wanted), 500):
            block = wanted[start:start + 500]
            found.update(r[0] for r in self.vault.conn.execute(
                f"SELECT DISTINCT person_id FROM documents WHERE role = ? AND person_id IN "
                f"({','.join('?' * len(block))})", [role, *block]))
        return found

    def default_resume(self, person: str | int) -> Document | None:
        person_id = self.vault.people.resolve(person)
        row = self.vault.conn.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE person_id = ? AND role = 'resume' "
            "ORDER BY is_default DESC, version DESC LIMIT 1",
            (person_id,),
        ).fetchone()
        return _row(row) if row else None

    def data(self, ident: str | int) -> bytes:
        """The document's bytes, in memory (previews render from this; nothing touches disk)."""
        doc_id = self.resolve(ident)
        row = self.vault.conn.execute("SELECT data FROM document_blobs WHERE document_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound("document", str(ident))
        return bytes(row[0])

    def text(self, ident: str | int) -> str:
        doc_id = self.resolve(ident)
        row = self.vault.conn.execute("SELECT text FROM document_text WHERE document_id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def set_default(self, ident: str | int) -> Document:
        doc = self.get(ident)
        if doc.role != "resume":
            raise ValidationError("document", "only a resume can be the default resume")
        with self.vault.transaction() as conn:
            conn.execute("UPDATE documents SET is_default = 0 WHERE person_id = ? AND role = 'resume'", (doc.person_id,))
            conn.execute("UPDATE documents SET is_default = 1 WHERE id = ?", (doc.id,))
            self.vault.record("document.updated", "person", self.vault.people.uuid_of(doc.person_id),
                              {"document": doc.uuid, "fields": ["is_default"]})
        return self.get(doc.id)

    def set_shareable(self, ident: str | int, shareable: bool) -> Document:
        """Per-document sharing policy: an old resume version can be excluded from every share."""
        doc = self.get(ident)
        with self.vault.transaction() as conn:
            conn.execute("UPDATE documents SET shareable = ? WHERE id = ?", (int(shareable), doc.id))
            self.vault.record("document.updated", "person", self.vault.people.uuid_of(doc.person_id),
                              {"document": doc.uuid, "fields": ["shareable"], "shareable": shareable})
        return self.get(doc.id)

    def remove(self, ident: str | int) -> None:
        doc = self.get(ident)
        proof = self.vault.conn.execute(
            "SELECT uuid FROM authorisations WHERE evidence_document_id = ? LIMIT 1", (doc.id,)).fetchone()
        if proof:
            raise ValidationError("document", f"it is the evidence for authorisation {proof[0]}; the proof of "
                                  "consent is kept as long as the authorisation")
        with self.vault.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
            self.vault.record("document.removed", "person", self.vault.people.uuid_of(doc.person_id),
                              {"document": doc.uuid})
            self.vault.search.reindex_person(doc.person_id)

    def record_view(self, ident: str | int) -> Document:
        """Audit that a document was opened for reading (the app's preview, ``resume show``).
        A vault opened read-only cannot take the event; the viewer still works there."""
        doc = self.get(ident)
        if not self.vault.readonly:
            with self.vault.transaction():
                self.vault.record("document.viewed", "person", self.vault.people.uuid_of(doc.person_id),
                                  {"document": doc.uuid})
        return doc

    def export(self, ident: str | int, destination: str | os.PathLike[str] | BinaryIO) -> Path:
        """Write a plaintext copy where the user asked (explicit and audited)."""
        doc = self.get(ident)
        data = self.data(doc.id)
        if hasattr(destination, "write"):  # an open stream (the CLI's --out -)
            with self.vault.transaction():
                self.vault.record("document.exported", "person", self.vault.people.uuid_of(doc.person_id),
                                  {"document": doc.uuid})
            destination.write(data)
            return Path("-")
        destination = Path(destination)
        if destination.is_dir() and not destination.is_symlink():
            destination = destination / doc.file_name
        destination = self.vault.output_path(destination)
        with staged_file(destination, data), self.vault.transaction():
            self.vault.record("document.exported", "person", self.vault.people.uuid_of(doc.person_id),
                              {"document": doc.uuid})
        return destination

