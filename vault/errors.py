"""Typed errors of the core.

Every failure a user can meet has its own type here, and each carries one human sentence
(``str(error)``) that the CLI and the GUI show as they are. Nothing else ever reaches a user.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the core raises on purpose."""

    #: CLI exit code for this error (1 = refused or invalid input).
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- opening, keys and the file -------------------------------------------------------------


class WrongPassphrase(VaultError):
    def __init__(self, message: str = "The passphrase is not correct for this vault.") -> None:
        super().__init__(message)


class VaultDamaged(VaultError):
    """The file is not a readable vault: empty, not a vault, truncated or failing its HMAC."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"The vault file {path} is damaged ({reason}); open your latest backup instead.")
        self.path = path
        self.reason = reason


class VaultNotFound(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(f"There is no vault at {path}; create one with 'contact-vault init'.")
        self.path = path


class VaultExists(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(f"A file already exists at {path}; choose another location.")
        self.path = path


class SchemaTooNew(VaultError):
    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"This vault was written by a newer Contact Vault (schema {found}, this app knows up to "
            f"{supported}); update the app to open it."
        )
        self.found = found
        self.supported = supported


class VaultInUse(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(f"The vault {path} is already open in another Contact Vault window or command.")
        self.path = path


class VaultReadOnly(VaultError):
    def __init__(self, path: str, what: str = "change it") -> None:
        super().__init__(f"The vault {path} is read-only here, so Contact Vault cannot {what}.")
        self.path = path


class VaultLocked(VaultError):
    def __init__(self) -> None:
        super().__init__("The vault is locked; unlock it first.")


class DiskFull(VaultError):
    """The disk is full: a condition of the storage, never a sign of damage (no backup advice)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"There is not enough disk space to write {path}; nothing was changed. Free some "
                         "space and try again (the vault is not damaged).")
        self.path = path


class VaultBusy(VaultError):
    """Another process (not necessarily Contact Vault) holds a lock on the database file."""

    def __init__(self, path: str) -> None:
        super().__init__(f"The vault {path} is locked by another process; close that program or wait for it "
                         "to finish, then try again (the vault is not damaged).")
        self.path = path


class StorageFailed(VaultError):
    """The operating system reported an input/output error: the storage, not the vault's content."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"The storage holding {path} reported an error ({reason}); check the disk or network "
                         "share and try again.")
        self.path = path
        self.reason = reason


class UnsafeOutput(VaultError):
    """An output path that would overwrite the vault, its companion files, or something not a file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Refusing to write to {path}: {reason}; choose a new file name.")
        self.path = path
        self.reason = reason


class WeakPassphrase(VaultError):
    """zxcvbn scored the passphrase below the minimum; the user may accept it explicitly."""

    def __init__(self, score: int, hint: str) -> None:
        detail = f" ({hint})" if hint else ""
        super().__init__(f"passphrase: it is too easy to guess (strength {score} of 4){detail}; choose a longer, "
                         "less predictable one, or accept a weak one explicitly (--accept-weak-passphrase).")
        self.score = score
        self.hint = hint


class AuditTrailShortened(VaultError):
    """The vault's trail is behind the witness kept outside it, or lost a stored checkpoint."""

    def __init__(self, missing: int, detail: str) -> None:
        lead = f"The audit trail is missing {missing} event(s)" if missing else "The audit trail was tampered with"
        super().__init__(f"{lead}: {detail}.")
        self.missing = missing
        self.detail = detail


class WriteFailed(VaultError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Could not write {path}: {reason}. Nothing was changed.")
        self.path = path


class UnsafeLibrary(VaultError):
    def __init__(self, what: str) -> None:
        super().__init__(f"Contact Vault refuses to run with {what}; update the installation.")


class InstallationIncomplete(VaultError):
    """A file the app ships with is missing or altered (the package checker page, its library)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"This installation of Contact Vault is incomplete: {what}. Reinstall it.")


class KeyringUnavailable(VaultError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Remembering the vault on this computer is not available: {reason}.")
        self.reason = reason


class IntegrityCheckFailed(VaultError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"The integrity check of {path} failed: {detail}.")
        self.path = path
        self.detail = detail


# --- records and input ----------------------------------------------------------------------


class ValidationError(VaultError):
    """Bad input for one field; ``field`` names it so a form can show the message beside it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ConstraintViolated(VaultError):
    """A change the schema itself refused (a duplicate, a rule enforced by a trigger)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"The vault refused that change ({detail}); nothing was changed.")
        self.detail = detail


class NotFound(VaultError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"No {kind} matches '{ident}'.")
        self.kind = kind
        self.ident = ident


class Ambiguous(VaultError):
    def __init__(self, kind: str, ident: str, count: int) -> None:
        super().__init__(f"'{ident}' matches {count} {kind} records; use the full id.")


class UnsupportedDocument(VaultError):
    def __init__(self, name: str, detail: str) -> None:
        super().__init__(
            f"{name} is not a supported document ({detail}); use PDF, DOCX, ODT, RTF or plain text."
        )


class DocumentTooLarge(VaultError):
    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(
            f"{name} is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:.0f} MB limit for documents."
        )


class BadSearchQuery(VaultError):
    def __init__(self, query: str, detail: str) -> None:
        super().__init__(f"The search '{query}' could not be understood: {detail}.")


# --- sharing --------------------------------------------------------------------------------


class ShareNotAuthorised(VaultError):
    """A share was refused; ``condition`` is a stable code naming the rule that failed."""

    def __init__(self, condition: str, message: str) -> None:
        super().__init__(f"Share refused: {message}")
        self.condition = condition


class AuthorisationImmutable(VaultError):
    def __init__(self) -> None:
        super().__init__("A logged authorisation cannot be changed; revoke it and log a new one.")


class StampFailed(VaultError):
    """A resume PDF could not be stamped, so it cannot go into a share package."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} cannot be stamped for sharing: {reason}.")
        self.name = name
        self.reason = reason


class ConverterMissing(VaultError):
    """A non-PDF document cannot be shared: no converter can make a PDF of it (never shared raw)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} cannot be shared: {reason}.")
        self.name = name
        self.reason = reason


class ConversionFailed(VaultError):
    """The converter ran but produced no PDF (damaged file, limit hit)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} could not be converted to PDF for sharing: {reason}.")
        self.name = name
        self.reason = reason


class PackageInvalid(VaultError):
    """A share package failed verification, or is unsafe to import."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The package is not valid: {reason}")
        self.reason = reason


class PartyFrozen(VaultError):
    """A recipient or organisation named by an authorisation or share cannot be edited in place."""

    def __init__(self, kind: str, name: str, named_by: str, what: str) -> None:
        super().__init__(
            f"{name} is named by {named_by}, so its {what} cannot change: the person agreed to share with "
            f"{name} as recorded. If the {kind} changed, record it as a new {kind} that supersedes this one "
            "(the old record stays for the history).")
        self.kind = kind
        self.name = name


class SenderUntrusted(PackageInvalid):
    """A correctly signed package whose key this vault has not been told to trust."""

    def __init__(self, claimed: str, fingerprint: str) -> None:
        super().__init__(
            f"it says it comes from {claimed} and is signed with key {fingerprint}, which this vault does not "
            "trust yet. Compare that fingerprint with the sender by another channel (phone, in person), then "
            f"import with --trust-fingerprint {fingerprint}, or give their key with --sender-key FILE")
        self.claimed = claimed
        self.fingerprint = fingerprint


class PackageMisaddressed(PackageInvalid):
    """A package made for someone else: importing it would take consent given to another party."""

    def __init__(self, addressee: str, owner: str) -> None:
        super().__init__(f"it was made for {addressee}, not for this vault's owner ({owner}); the person agreed "
                         "to share with them only. Send it back to the sender")
        self.addressee = addressee


# --- audit and import -----------------------------------------------------------------------


class AuditChainBroken(VaultError):
    def __init__(self, seq: int | None, reason: str, line: int | None = None) -> None:
        where = f"line {line}" if line is not None else f"event #{seq}"
        super().__init__(f"The audit trail is broken at {where}: {reason}.")
        self.seq = seq
        self.line = line
        self.reason = reason


class AuditExportInvalid(VaultError):
    def __init__(self, line: int | None, reason: str) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"The audit export does not verify: {where}{reason}.")
        self.line = line
        self.reason = reason


class OutreachBlocked(VaultError):
    """Contact through a point marked do-not-contact, without an explicit override."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is marked do-not-contact; nothing was logged (override only if they asked you to).")
        self.what = what


class ImportFailed(VaultError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Could not import {path}: {reason}")


class Cancelled(VaultError):
    def __init__(self) -> None:
        super().__init__("Cancelled; nothing was changed.")


# --- privacy gates (who may enter the vault) -------------------------------------------------


class SuppressedPerson(VaultError):
    """An e-mail or phone of someone erased on request (and kept out with --suppress)."""

    def __init__(self, erased_on: str, what: str = "person") -> None:
        super().__init__(
            f"This {what} matches someone erased on request on {erased_on} and kept out of the vault; add them "
            "again only if they asked to come back (--despite-erasure, which is audited).")
        self.erased_on = erased_on


class DuplicatePerson(VaultError):
    """The same e-mail, phone (E.164) or profile link as a person already in the vault."""

    def __init__(self, name: str, person_uuid: str, kind: str, value: str) -> None:
        label = {"email": "e-mail", "phone": "phone", "link": "profile link"}.get(kind, kind)
        super().__init__(
            f"{name} (id {person_uuid[:8]}) already has the {label} {value}; open or merge that person "
            "('person merge'), or add --allow-duplicate to keep both.")
        self.name = name
        self.person_uuid = person_uuid
        self.kind = kind
        self.value = value
