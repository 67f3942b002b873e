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

_WORDS = re.compile(r"\w+")
_NOT_DIGITS = re.compile(r"\D")
_LEGAL_FORMS = re.compile(r"\b(inc|ltd|llc|gmbh|ag|co|corp|corporation|company|the|sa|plc)\b")


@dataclass(frozen=True)
class Target:
    """Either an existing person (``person_id``) or an earlier row of this import (``row``)."""

    person_id: int | None = None
    row: int | None = None


def _normalised_name(name: str) -> str:
    # Pure ASCII text is its own NFKD form with no combining marks, and casefold() is lower()
    # there: most names skip the Unicode tables.
    if name.isascii():
        text = name.lower()
    else:
        text = unicodedata.normalize("NFKD", name)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(_WORDS.findall(text)))


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    return _normalised_name(name)


@functools.lru_cache(maxsize=65536)
def normalise_org(org: str) -> str:
    return _LEGAL_FORMS.sub("", normalise_name(org)).strip()


Shape = tuple[int, str, int]  # (spaces, digits, length) of a normalised name
Profile = tuple[Shape, int, tuple[int, ...]]  # (shape, letter mask, the mask's bits)


class MatchIndex:
    def __init__(self) -> None:
        self.points: dict[tuple[str, str], Target] = {}
        self.names: dict[str, list[tuple[Target, str]]] = {}
        self.by_org: dict[str, list[tuple[Target, str]]] = {}
        # Per organisation, the close-name candidates bucketed by shape, each with its position
        # in ``by_org`` (so the first match in that order is still the answer). Built on the
        # first close-name lookup at that organisation, then kept up to date by ``add_name``:
        # most of a big vault's organisations are never asked about by one import.
        self._org_buckets: dict[str, dict[Shape, _Bucket]] = {}
        self._profiles: dict[str, Profile] = {}  # names repeat: work each one out once

    @classmethod
    def from_vault(cls, vault: Vault) -> MatchIndex:
        index = cls()
        conn = vault.conn
        targets: dict[int, Target] = {}  # one Target per person, shared by their names and points
        # Memoised for this load only: 100,000 distinct names through the lru caches would
        # evict what the import's own lookups need, and cost more in evictions than they save.
        name_of: dict[str, str] = {}
        org_of: dict[str, str] = {}
        names, by_org = index.names, index.by_org
        for person_id, full_name, organisation in conn.execute("SELECT id, full_name, organisation FROM people"):
            target = targets[person_id] = Target(person_id=person_id)
            name = name_of.get(full_name)
            if name is None:
                name = name_of[full_name] = _normalised_name(full_name)
            if not name:
                continue
            org = org_of.get(organisation)
            if org is None:
                org = org_of[organisation] = normalise_org(organisation)
            same = names.get(name)
            if same is None:
                names[name] = [(target, org)]
            else:
                same.append((target, org))
            if org:  # no buckets exist yet: they are built from by_org when first asked for
                entries = by_org.get(org)
                if entries is None:
                    by_org[org] = [(target, name)]
                else:
                    entries.append((target, name))
        points = index.points
        for person_id, kind, normalized in conn.execute(
            # A scan in rowid order (lowest id first for a shared key, as through the index) instead
            # of 300,000 index-to-row lookups: seconds faster on a big vault.
            "SELECT person_id, kind, normalized FROM contact_points NOT INDEXED WHERE kind IN ('email', 'phone', 'link')"
        ):
            key = (kind, normalized)
            if key not in points:
                points[key] = targets.get(person_id) or Target(person_id=person_id)
        return index

    def add_name(self, target: Target, full_name: str, organisation: str) -> None:
        name = normalise_name(full_name)
        if not name:
            return
        org = normalise_org(organisation)
        self.names.setdefault(name, []).append((target, org))
        if org:
            entries = self.by_org.setdefault(org, [])
            buckets = self._org_buckets.get(org)
            if buckets is not None:
                self._file(buckets, len(entries), name)
            entries.append((target, name))

    def add_points(self, target: Target, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            if key[0] in MATCH_KINDS:
                self.points.setdefault(key, target)

    def find(self, keys: list[tuple[str, str]], full_name: str, organisation: str) -> tuple[Target, str] | None:
        points = self.points
        for key in keys:
            target = points.get(key)
            if target is not None:
                return target, MATCH_KINDS[key[0]]
        name = normalise_name(full_name)
        if not name:
            return None
        org = normalise_org(organisation)
        for target, other_org in self.names.get(name, ()):
            if not org or not other_org or org == other_org:
                return target, "name"
        if not org:
            return None
        buckets = self._buckets(org)
        if not buckets:
            return None
        # A big employer holds hundreds of people: skip, without running difflib, every name
        # whose length or letters make the ratio impossible (a bound, so nothing is missed).
        (words, digits, size), mask, bits = self._profile(name)
        best: Target | None = None
        limit = -1  # the position of the best match so far (-1: none yet)
        # Only names with as many words and the same digits can match ("Person 12" against
        # "Person 13" is not a typo), and only lengths whose ratio can reach NAME_RATIO.
        entries = self.by_org[org]
        for other_size, mine, theirs in _sizes(size):
            bucket = buckets.get((words, digits, other_size))
            if bucket is None:
                continue
            positions, masks = bucket.positions, bucket.masks
            found = bucket.lacking_at_most(bits, mine)
            while found:  # in by_org order
                low = found & -found
                at = low.bit_length() - 1
                position = positions[at]
                if limit >= 0 and position > limit:
                    break
                found ^= low
                if (masks[at] & ~mask).bit_count() > theirs:
                    continue
                target, other_name = entries[position]
                if difflib.SequenceMatcher(None, name, other_name).ratio() >= NAME_RATIO:
                    best = target
                    limit = position
                    break
        if best is not None:
            return best, "close name at the same organisation"
        return None

    def _buckets(self, org: str) -> dict[Shape, _Bucket] | None:
        buckets = self._org_buckets.get(org)
        if buckets is None:
            entries = self.by_org.get(org)
            if entries is None:
                return None
            groups: dict[Shape, tuple[list[int], list[int], list[tuple[int, ...]]]] = {}
            profiles = self._profiles
            for position, (_, name) in enumerate(entries):
                shape, mask, bits = profiles.get(name) or self._profile(name)
                group = groups.get(shape)
                if group is None:
                    group = groups[shape] = ([], [], [])
                group[0].append(position)
                group[1].append(mask)
                group[2].append(bits)
            buckets = self._org_buckets[org] = {shape: _Bucket(*group) for shape, group in groups.items()}
        return buckets

    def _file(self, buckets: dict[Shape, _Bucket], position: int, name: str) -> None:
        shape, mask, bits = self._profile(name)
        bucket = buckets.get(shape)
        if bucket is None:
            bucket = buckets[shape] = _Bucket([], [], [])
        bucket.add(position, mask, bits)

    def _profile(self, name: str) -> Profile:
        profile = self._profiles.get(name)
        if profile is None:
            mask = _letters(name)
            profile = self._profiles[name] = (_shape(name), mask, _bits(mask))
        return profile


class _Bucket:
    """One organisation's names of one shape (their positions in ``by_org``, ascending, and
    letter masks) with per letter bit the set of them holding it, so a lookup visits only
    names that pass the letter bound. Only ints: a big vault's worth costs the collector little."""

    __slots__ = ("positions", "masks", "_holding")

    def __init__(self, positions: list[int], masks: list[int], bits: list[tuple[int, ...]]) -> None:
        """``bits``: each mask's bits, in the same order."""
        self.positions = positions
        self.masks = masks
        self._holding: dict[int, int] = {}  # bit -> the indexes into positions holding it, as a bitset
        holding = self._holding
        at = 1
        for entry_bits in bits:
            for bit in entry_bits:
                holding[bit] = holding.get(bit, 0) | at
            at <<= 1

    def add(self, position: int, mask: int, bits: tuple[int, ...]) -> None:
        holding = self._holding
        at = 1 << len(self.positions)
        for bit in bits:
            holding[bit] = holding.get(bit, 0) | at
        self.positions.append(position)
        self.masks.append(mask)

    def lacking_at_most(self, bits: tuple[int, ...], most_missing: int) -> int:
        """The entries (a bitset of indexes) that lack at most ``most_missing`` of ``bits``:
        exactly those the caller's first letter bound lets through."""
        every = (1 << len(self.positions)) - 1
        if most_missing >= len(bits):
            return every
        holding = self._holding
        if most_missing == 0:
            for bit in bits:
                every &= holding.get(bit, 0)
            return every
        # lacking[i]: the entries lacking more than i of the bits seen so far (a saturating count).
        lacking = [0] * (most_missing + 1)
        for bit in bits:
            missing = ~holding.get(bit, 0)
            for i in range(most_missing, 0, -1):
                lacking[i] |= lacking[i - 1] & missing
            lacking[0] |= missing
        return every & ~lacking[most_missing]


def _bits(mask: int) -> tuple[int, ...]:
    bits = []
    while mask:
        low = mask & -mask
        bits.append(low.bit_length() - 1)
        mask ^= low
    return tuple(bits)


def _shape(name: str) -> Shape:
    return name.count(" "), _NOT_DIGITS.sub("", name), len(name)


@functools.lru_cache(maxsize=256)
def _sizes(size: int) -> tuple[tuple[int, int, int], ...]:
    """The lengths a name may have to come close to one of ``size`` characters, each with the
    most letters either side may lack (``_most_missing``); lengths where nothing can pass are left out."""
    sizes = []
    for other_size in range(size // 2, size * 2 + 1):
        total = size + other_size
        if 2.0 * min(size, other_size) / total < NAME_RATIO:
            continue
        mine, theirs = _most_missing(size, total), _most_missing(other_size, total)
        if mine >= 0 and theirs >= 0:
            sizes.append((other_size, mine, theirs))
    return tuple(sizes)


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
