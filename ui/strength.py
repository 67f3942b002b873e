"""A passphrase strength estimate for the meter: rough, conservative, never stored."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from vault.store import MIN_PASSPHRASE_LENGTH

_COMMON = {"password", "passphrase", "letmein", "qwerty", "123456", "12345678", "iloveyou", "admin",
           "welcome", "monkey", "dragon", "contactvault", "recruiter"}


@dataclass(frozen=True)
class Strength:
    bits: int
    score: int  # 0..4
    label: str


def estimate(passphrase: str) -> Strength:
    """Pool-size entropy with penalties for repeats, sequences and common words."""
    if not passphrase:
        return Strength(0, 0, "")
    pool = 0
    if re.search(r"[a-z]", passphrase):
        pool += 26
    if re.search(r"[A-Z]", passphrase):
        pool += 26
    if re.search(r"\d", passphrase):
        pool += 10
    if re.search(r"[^A-Za-z0-9]", passphrase):
        pool += 33
    distinct = len(set(passphrase))
    effective_length = min(len(passphrase), distinct * 2)
    bits = effective_length * math.log2(max(pool, 2))
    letters = re.sub(r"[^a-z]", "", passphrase.lower())
    if passphrase.lower() in _COMMON or re.fullmatch(r"(.)\1*", passphrase):
        bits = min(bits, 10)
    elif letters in _COMMON and len(passphrase) - len(letters) <= 4:
        bits = min(bits, 30)  # "Password1!" is a common word in disguise
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return Strength(int(bits), 0, f"Too short (at least {MIN_PASSPHRASE_LENGTH} characters)")
    if bits < 40:
        return Strength(int(bits), 1, "Weak")
    if bits < 60:
        return Strength(int(bits), 2, "Fair")
    if bits < 80:
        return Strength(int(bits), 3, "Good")
    return Strength(int(bits), 4, "Strong")
