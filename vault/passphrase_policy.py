"""How strong a new passphrase must be: zxcvbn's score of 3 or more, unless accepted as weak.

zxcvbn (the maintained ``zxcvbn`` port on PyPI, 4.5.0 of 2025, by the maintainers of the
original Python port; ``zxcvbn-python`` is its abandoned 2018 name) models what attackers try
first: dictionary words, names, keyboard walks, dates, repeats and l33t substitutions. A score
below 3 means "guessable with an offline attack on a leaked file" in its authors' terms, which is
exactly the threat to a vault file copied off a laptop. As in KeePassXC, the owner may still
choose a weak passphrase, but only by saying so explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ValidationError, WeakPassphrase

MIN_LENGTH = 8
MIN_SCORE = 3
#: zxcvbn's cost grows with the length; beyond this, only the first characters are scored.
_SCORED_CHARACTERS = 100


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4, zxcvbn
    hint: str  # zxcvbn's warning or first suggestion, in English; may be ""


def strength(passphrase: str, user_inputs: Iterable[str] = ()) -> Strength:
    """zxcvbn's score, penalising words from ``user_inputs`` (the owner's name, e-mail…)."""
    from zxcvbn import zxcvbn

    inputs = [part for value in user_inputs for part in str(value).replace("@", " ").split() if part]
    result = zxcvbn(passphrase[:_SCORED_CHARACTERS], user_inputs=inputs)
    feedback = result.get("feedback") or {}
    hint = feedback.get("warning") or next(iter(feedback.get("suggestions") or []), "")
    return Strength(int(result["score"]), str(hint).rstrip("."))


def check_new_passphrase(passphrase: str, *, accept_weak: bool = False, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a short passphrase always, and a weak one unless ``accept_weak``."""
    if len(passphrase) < MIN_LENGTH:
        raise ValidationError("passphrase", f"must be at least {MIN_LENGTH} characters")
    if accept_weak:
        return
    result = strength(passphrase, user_inputs)
    if result.score < MIN_SCORE:
        raise WeakPassphrase(result.score, result.hint)
