"""Tampering anywhere is rejected: every line of an audit export, every file of a package."""

from __future__ import annotations

import json
import random
import zipfile

from tests.helpers.docs_factory import make_pdf
from vault import sharing
from vault.audit.verify import verify_export
from vault.audit.writers import export_audit
from vault.people import NewContactPoint, PersonFields


def _mutations(obj: dict, rng: random.Random) -> list[dict]:
    """Edits to the hashed part of a line (annotations are outside the hash by design)."""
    out = []
    for key in ("seq", "at", "actor", "action", "prev", "hash", "details", "subject", "gap", "checkpoint", "format"):
        if key not in obj:
            continue
        edited = json.loads(json.dumps(obj))
        value = edited[key]
        if isinstance(value, int) and not isinstance(value, bool):
            edited[key] = value + rng.choice((1, -1, 1000))
        elif isinstance(value, str):
            position = rng.randrange(len(value)) if value else 0
            edited[key] = value[:position] + ("0" if value[position:position + 1] != "0" else "1") + value[position + 1:]
        elif isinstance(value, dict):
            if value:
                inner = rng.choice(sorted(value))
                edited[key][inner] = "tampered" if value[inner] != "tampered" else "x"
            else:
                edited[key] = {"added": 1}
        else:
            edited[key] = "tampered"
        out.append(edited)
    return out


def test_every_line_of_an_audit_export_resists_every_edit(vault, tmp_path):
    rng = random.Random(5)
    for index in range(12):
        person = vault.people.add(PersonFields(full_name=f"Audited {index}"), [NewContactPoint("email", f"a{index}@x.org")])
        vault.people.update(person.uuid, PersonFields(title=f"Title {index}"))
    path = tmp_path / "audit.jsonl"
    export_audit(vault, path, "jsonl")
    lines = path.read_text().splitlines()
    assert verify_export(path).ok
    cases = 0
    for number, line in enumerate(lines, start=1):
        for edited in _mutations(json.loads(line), rng):
            mutated = tmp_path / "mutated.jsonl"
            mutated.write_text("\n".join(lines[: number - 1] + [json.dumps(edited)] + lines[number:]) + "\n")
            result = verify_export(mutated)
            assert not result.ok, (number, edited)
            cases += 1
        if number == 1:
            continue  # the header's export time and labels are informational; its checkpoint is covered above
        # A flipped character anywhere in an event line, outside its annotations, is caught too.
        obj = json.loads(line)
        protected = list(range(len(line)))
        if "annotations" in obj:
            text = '"annotations":' + json.dumps(obj["annotations"], sort_keys=True, separators=(",", ":"),
                                                  ensure_ascii=False)
            start = line.index(text)
            protected = [i for i in protected if not start <= i < start + len(text)]
        for position in rng.sample(protected, 6):
            flipped = line[:position] + chr(ord(line[position]) ^ 0x01) + line[position + 1:]
            mutated = tmp_path / "flipped.jsonl"
            mutated.write_text("\n".join(lines[: number - 1] + [flipped] + lines[number:]) + "\n")
            assert not verify_export(mutated).ok, (number, position)
            cases += 1
    assert cases > 300


def test_every_byte_of_every_small_package_file_is_covered(vault, tmp_path):
    person = vault.people.add(PersonFields(full_name="Tamper Target"), [NewContactPoint("email", "tt@example.org")])
    doc = vault.documents.add_bytes(person.uuid, make_pdf(["Tamper Target resume"]), "cv.pdf")
    vault.recipients.add("Tamper Client", email="tc@client.example")
    vault.authorisations.log(person.uuid, recipient="Tamper Client", scope=["resume", "email"], purpose="Role",
                             method="written", obtained_at="2026-01-01")
    built = sharing.build_share(vault, person.uuid, "Tamper Client", [f"document:{doc.uuid}", "email"],
                                tmp_path / "p.zip")
    with zipfile.ZipFile(built.path) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    cases = 0
    for name, data in entries.items():
        # Every byte of the small text files; a stride through the PDFs.
        step = 1 if len(data) < 4096 else max(1, len(data) // 300)
        for index in range(0, len(data), step):
            changed = dict(entries)
            changed[name] = data[:index] + bytes([data[index] ^ 0x20]) + data[index + 1:]
            report = sharing.verify_entries(changed, sender_key=None, now=vault.now())
            assert not report.ok, (name, index)
            cases += 1
    assert cases > 2000
