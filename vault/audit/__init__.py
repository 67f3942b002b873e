"""The audit trail: the hash chain (chain), signed checkpoints, export scopes and the queries that
page them, the export writers (JSON Lines, CSV, PDF) and the verifier of untrusted exports.

``from vault import audit`` gives the chain's API (append, query, verify), which every service uses
inside its transactions; the other modules are imported by name where they are needed.
"""

from .chain import (
    ACTIONS,
    EVENT_COLUMNS,
    GENESIS,
    AuditEvent,
    ChainStatus,
    append,
    append_many,
    canonical_json,
    count_events,
    event_hash,
    iter_events,
    iter_rows,
    last_event,
    query_events,
    row_to_event,
    verify_chain,
    verify_events,
    verify_rows,
    verify_tail,
)

__all__ = [
    "ACTIONS", "EVENT_COLUMNS", "GENESIS", "AuditEvent", "ChainStatus", "append", "append_many", "canonical_json",
    "count_events", "event_hash", "iter_events", "iter_rows", "last_event", "query_events", "row_to_event",
    "verify_chain", "verify_events", "verify_rows", "verify_tail",
]
