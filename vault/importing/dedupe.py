"""Duplicate detection: the same e-mail, normalised phone, profile link, or a close name.

The index holds the vault's people and the rows planned so far, so a file that lists one
person twice also yields one person. Names match when their normalised forms are equal (word
order, case, accents and punctuation ignored) and the organisations do not disagree, or when
they are very close (difflib ratio ≥ 0.92, as many words, the same digits if any) at the same
organisation.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vault.store import Vault

NAME_RATIO = 0.92
MATCH_KINDS = {"email": "e-mail", "phone": "phone", "link": "profile link"}


@dataclass(frozen=True)
class Target:
    """Either an existing person (``person_id``) or an earlier row of this import (``row``)."""

    person_id: int | None = None
    row: int | None = None


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = re.findall(r"\w+", text)
    return " ".join(sorted(words))


@functools.lru_cache(maxsize=65536)
def normalise_org(org: str) -> str:
    text = normalise_name(org)
    return re.sub(r"\b(inc|ltd|llc|gmbh|ag|co|corp|corporation|company|the|sa|plc)\b", "", text).strip()


class MatchIndex:
    def __init__(self) -> None:
        self.points: dict[tuple[str, str], Target] = {}
        self.names: dict[str, list[tuple[Target, str]]] = {}
        self.by_org: dict[str, list[tuple[Target, str]]] = {}
        # Per organisation, the close-name candidates bucketed by (words, digits, length), each
        # with its position in ``by_org`` (so the first match in that order is still the answer)
        # and its letter mask.
        self._org_buckets: dict[str, dict[tuple[int, str, int], _Bucket]] = {}

    @classmethod
    def from_vault(cls, vault: Vault) -> MatchIndex:
        index = cls()
        conn = vault.conn
        targets: dict[int, Target] = {}  # one Target per person, shared by their names and points
        for person_id, full_name, organisation in conn.execute("SELECT id, full_name, organisation FROM people"):
            target = targets[person_id] = Target(person_id=person_id)
            index.add_name(target, full_name, organisation)
        for person_id, kind, normalized in conn.execute(
            # A scan in rowid order (lowest id first for a shared key, as through the index) instead
            # of 300,000 index-to-row lookups: seconds faster on a big vault.
            "SELECT person_id, kind, normalized FROM contact_points NOT INDEXED WHERE kind IN ('email', 'phone', 'link')"
        ):
            key = (kind, normalized)
            if key not in index.points:
                index.points[key] = targets.get(person_id) or Target(person_id=person_id)
        return index

    def add_name(self, target: Target, full_name: str, organisation: str) -> None:
        name = normalise_name(full_name)
        if not name:
            return
        org = normalise_org(organisation)
        self.names.setdefault(name, []).append((target, org))
        if org:
            entries = self.by_org.setdefault(org, [])
            buckets = self._org_buckets.setdefault(org, {})
            shape = _shape(name)
            bucket = buckets.get(shape)
            if bucket is None:
                bucket = buckets[shape] = _Bucket()
            bucket.add((len(entries), target, name, _letters(name)))
            entries.append((target, name))

    def add_points(self, target: Target, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            if key[0] in MATCH_KINDS:
                self.points.setdefault(key, target)

    def find(self, keys: list[tuple[str, str]], full_name: str, organisation: str) -> tuple[Target, str] | None:
        for key in keys:
            target = self.points.get(key)
            if target is not None:
                return target, MATCH_KINDS[key[0]]
        name = normalise_name(full_name)
        if not name:
            return None
        org = normalise_org(organisation)
        for target, other_org in self.names.get(name, []):
            if not org or not other_org or org == other_org:
                return target, "name"
        if org:
            # A big employer holds hundreds of people: skip, without running difflib, every name
            # whose length or letters make the ratio impossible (a bound, so nothing is missed).
            mask = _letters(name)
            bits = _bits(mask)
            size = len(name)
            words, digits, _ = _shape(name)
            buckets = self._org_buckets.get(org)
            if not buckets:
                return None
            best: tuple[int, Target] | None = None
            limit = -1  # the position of the best match so far (-1: none yet)
            # Only names with as many words and the same digits can match ("Person 12" against
            # "Person 13" is not a typo), and only lengths whose ratio can reach NAME_RATIO.
            for other_size in range(size // 2, size * 2 + 1):
                total = size + other_size
                if 2.0 * min(size, other_size) / total < NAME_RATIO:
                    continue
                bucket = buckets.get((words, digits, other_size))
                if not bucket:
                    continue
                # The matched characters are at most each side's length minus its letters the
                # other side lacks: how many may each side lack and still reach the ratio?
                mine, theirs = _most_missing(size, total), _most_missing(other_size, total)
                for position, target, other_name, other_mask in bucket.candidates(bits, mine):
                    if limit >= 0 and position > limit:
                        break
                    if (mask & ~other_mask).bit_count() > mine or (other_mask & ~mask).bit_count() > theirs:
                        continue
                    if difflib.SequenceMatcher(None, name, other_name).ratio() >= NAME_RATIO:
                        best = (position, target)
                        limit = position
                        break
            if best is not None:
                return best[1], "close name at the same organisation"
        return None


Entry = tuple[int, Target, str, int]  # (position in by_org, target, normalised name, letter mask)


class _Bucket:
    """One organisation's names of one shape, in ``by_org`` order, with (built on first use) the
    entries holding each letter bit, so a lookup visits only names that can pass the letter bound."""

    __slots__ = ("entries", "_holding")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._holding: dict[int, list[int]] | None = None  # bit -> indexes into entries, ascending

    def add(self, entry: Entry) -> None:
        holding = self._holding
        if holding is not None:
            at = len(self.entries)
            for bit in _bits(entry[3]):
                holding.setdefault(bit, []).append(at)
        self.entries.append(entry)

    def candidates(self, bits: list[int], most_missing: int) -> list[Entry]:
        """Every entry, in order, that lacks at most ``most_missing`` of ``bits`` (and possibly
        some that lack more: the caller applies the bound itself)."""
        entries = self.entries
        if most_missing < 0:
            return []
        if most_missing >= len(bits) or len(entries) < 16:
            return entries
        holding = self._holding
        if holding is None:
            holding = self._holding = {}
            for at, entry in enumerate(entries):
                for bit in _bits(entry[3]):
                    holding.setdefault(bit, []).append(at)
        # An entry lacking at most k of the bits holds at least one of any k + 1 of them: take
        # the k + 1 rarest.
        lists = sorted((holding.get(bit, ()) for bit in bits), key=len)[:most_missing + 1]
        if len(lists) == 1:
            return [entries[at] for at in lists[0]]
        return [entries[at] for at in sorted(set().union(*lists))]


def _bits(mask: int) -> list[int]:
    bits = []
    while mask:
        low = mask & -mask
        bits.append(low.bit_length() - 1)
        mask ^= low
    return bits


@functools.lru_cache(maxsize=65536)
def _shape(name: str) -> tuple[int, str, int]:
    return name.count(" "), re.sub(r"\D", "", name), len(name)


@functools.lru_cache(maxsize=4096)
def _most_missing(size: int, total: int) -> int:
    """The most letters a name of ``size`` characters may lack (``-1``: it cannot match at all)
    for ``2 * (size - missing) / total >= NAME_RATIO``, computed as the bound always was."""
    missing = -1
    while missing + 1 <= size and 2.0 * (size - (missing + 1)) / total >= NAME_RATIO:
        missing += 1
    return missing


def _letters(text: str) -> int:
    """A bit per character present (characters may share a bit, which only loosens the bound)."""
    mask = 0
    for ch in set(text):
        mask |= 1 << (ord(ch) & 63)
    return mask
