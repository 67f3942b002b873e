"""Reading a signed manifest safely: size first, then nesting depth, then JSON, then the schema.

A signer may be hostile (anyone can make a key), so a signature proves only who wrote the
manifest, not that it is sane. ``manifest.schema.json`` (beside this file) is the written
contract, checked with the ``jsonschema`` validator; every violation becomes one line.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, cast

from .package_format import MAX_MANIFEST_BYTES

SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")
#: Deeper than any manifest this app writes (4), far below Python's recursion limit.
MAX_DEPTH = 16
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class ManifestRejected(ValueError):
    """Why the manifest is refused, as a clause starting with 'it'."""


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def nesting_depth(data: bytes, limit: int) -> int:
    """The deepest nesting of arrays and objects (strings skipped), stopping once past ``limit``."""
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _no_constant(text: str) -> Any:
    raise ManifestRejected(f"it holds {text}, which is not JSON")


def _where(error: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "the top level"


def _short(error: Any) -> str:
    if error.validator == "type":
        wanted = error.validator_value
        return f"must be {' or '.join(wanted) if isinstance(wanted, list) else wanted}"
    if error.validator == "required":
        return str(error.message)
    if error.validator in ("maxLength", "maxItems"):
        return f"is longer than the {error.validator_value} allowed"
    if error.validator == "const":
        return f"must be {error.validator_value!r}"
    if error.validator == "enum":
        return f"must be one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        return "is not in the expected form"
    return "is not what a manifest allows here"


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as a dict, or ManifestRejected with one line saying what is wrong."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestRejected(f"it is {len(data)} bytes, over the {MAX_MANIFEST_BYTES} bytes allowed")
    if nesting_depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ManifestRejected(f"it nests deeper than {MAX_DEPTH} levels")
    try:
        manifest = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, ManifestRejected):
            raise
        raise ManifestRejected("it is not valid JSON") from exc
    error = next(iter(sorted(_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        raise ManifestRejected(f"it does not follow the manifest schema: {_where(error)} {_short(error)}")
    return cast(dict[str, Any], manifest)
