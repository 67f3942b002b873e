"""The passphrase strength meter's estimate (first run and change passphrase)."""

from __future__ import annotations

import pytest

from ui.strength import estimate


@pytest.mark.parametrize(("passphrase", "score"), [
    ("", 0), ("short", 0), ("aaaaaaaaaaaa", 1), ("Password1!", 1), ("password", 1),
    ("correct horse battery staple", 4), ("Xk9#mQ2!vL", 3),
])
def test_estimate(passphrase: str, score: int) -> None:
    assert estimate(passphrase).score == score
