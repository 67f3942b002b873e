"""Small pieces the sharing widgets share: the status words, the read-only table helpers, the notifier."""

from __future__ import annotations

from ui.notifier import notifier
from ui.read_only_table import fill, read_only_table, selected_key

__all__ = ["STATUS_WORDS", "fill", "notifier", "read_only_table", "selected_key"]

STATUS_WORDS = {"active": "active", "expired": "expired", "revoked": "revoked", "used-up": "used up",
                "not-yet-valid": "not yet valid"}
