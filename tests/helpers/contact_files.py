"""Contact files made at test time, for properties whose only corpus example may not be shipped.

Each imitates one GPL/LGPL/AGPL corpus file (named in its docstring) so a fresh clone still tests
the property; the tests that use them also run the original, through conftest.corpus_files,
which skips it with a reason where it is absent.
"""

from __future__ import annotations

FOLDED_UTF8_NAME = "Αλέξανδρος Παπαδόπουλος-Καραγιάννης Θεοδωρόπουλος"


def fold_octets(line: bytes, width: int = 75) -> bytes:
    """RFC 6350 folding by octet count, which may cut a UTF-8 character in two (as real exporters do)."""
    parts = [line[:width]] + [line[i:i + width - 1] for i in range(width, len(line), width - 1)]
    return b"\r\n ".join(parts) + b"\r\n"


def folded_utf8_vcard() -> bytes:
    """Greek and Cyrillic text folded in the middle of two-byte characters (like kcontacts' vcard9.vcf)."""
    name = FOLDED_UTF8_NAME
    note = "Длинный комментарий на русском языке, чтобы строка была сложена посреди символа."
    lines = [b"BEGIN:VCARD", b"VERSION:3.0", fold_octets(f"FN:{name}".encode()).rstrip(b"\r\n"),
             "N:Παπαδόπουλος-Καραγιάννης;Αλέξανδρος;;;".encode(),
             fold_octets(f"NOTE:{note}".encode()).rstrip(b"\r\n"), b"UID:folded-utf8-1", b"END:VCARD"]
    return b"\r\n".join(lines) + b"\r\n"



def utf16be_vcard_without_bom() -> bytes:
    """A whole vCard in UTF-16 big-endian with no BOM, CRLF (like roundcube's utf-16_sample.vcf)."""
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:ĽdaMonté;Ǽgean;;;\r\nFN:Ǽgean ĽdaMonté\r\n"
            "ADR;TYPE=WORK:;;169 Mária Canal;LaPaz;Conceptión;245-876;Perú\r\nEND:VCARD\r\n")
    return text.encode("utf-16-be")


def quoted_printable_vcards() -> bytes:
    """vCard 2.1 cards with UTF-8 QUOTED-PRINTABLE ADR/NOTE and soft line breaks, a field after the
    QP address (like kcontacts' vcard10.vcf)."""
    return (b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:M=C3=BCller;J=C3=BCrgen\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
            b"J=C3=BCrgen M=C3=BCller\r\n"
            b"ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=C3=9Fe 1;K=C3=B6ln;;50667;Deutsch=\r\n"
            b"land\r\nTITLE:Engineer\r\n"
            b"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=BC=C3=9Fe =E2=80=93 ein l=C3=A4ngerer Text, der =\r\n"
            b"=C3=BCber zwei Zeilen geht\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Beispiel;Anna\r\nFN:Anna Beispiel\r\n"
            b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Stra=C3=9Fe =E2=80=93 Ecke\r\nEND:VCARD\r\n")


def vcard_without_end() -> bytes:
    """A card whose END:VCARD line is missing (like evolution-data-server's 8.vcf)."""
    return (b"BEGIN:VCARD\nVERSION:3.0\nFN:Frank Example\nORG:Example Corporation\n"
            b"EMAIL;TYPE=INTERNET,PREF:frank@example.com\nURL:http://example.com/~frank\n")


def cp1252_csv(delimiter: str = ";") -> bytes:
    """A Windows-1252 contact CSV (not valid UTF-8) with German letters and a quoted value holding a
    line break (like tine20's importtest_win1252.csv and importtest_outlook2013.csv)."""
    d = delimiter
    text = (f'"First Name"{d}"Last Name"{d}"E-mail Address"{d}"Company"{d}"Notes"\r\n'
            f'"Jürgen"{d}"Müller"{d}"juergen@example.com"{d}"Bäckerei Öztürk"{d}"Größe: ½"\r\n'
            f'"Cornelius"{d}"Weiß"{d}"cw@example.com"{d}"Straßenbau AG"{d}"erste Zeile\r\nzweite Zeile"\r\n')
    return text.encode("cp1252")
