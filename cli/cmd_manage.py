"""Operations the desktop app has and the command line lacked: remove a document or make another
version the default, read the audit trail, remove (or retire) recipients and organisations, and
read or change settings.

The sub-commands join groups other modules define (``resume``, ``audit``, ``recipient``,
``organisation``), found by name in the parser, so each module stays the single owner of its
own commands and this one only adds.
"""

from __future__ import annotations

import argparse
import configparser
import json
from pathlib import Path
from typing import Any

from vault import paths, retirement
from vault.atomic import write_atomic
from vault.audit.scope import make_scope, page_events
from vault.errors import NotFound, ValidationError
from vault.sharing.package_format import DEFAULT_REPRESENT_DAYS
from vault.store import Vault

from .context import CliContext


def _group(sub: Any, name: str) -> Any:
    """The sub-command action of the existing command ``name`` (``resume``, ``audit`` …)."""
    parser = sub.choices.get(name)
    if parser is None:  # that command's module is not loaded for this command line: nothing to extend
        return argparse.ArgumentParser(add_help=False).add_subparsers()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(f"{name} has no sub-commands")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    resume = _group(sub, "resume")
    p = resume.add_parser("remove", parents=[common], help="delete a document version from the vault")
    p.add_argument("document")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(func=cmd_resume_remove)
    p = resume.add_parser("default", parents=[common], help="make this resume version the default one")
    p.add_argument("document")
    p.set_defaults(func=cmd_resume_default)
    p = resume.add_parser("show", parents=[common], help="print a document's extracted text (audited as viewed)")
    p.add_argument("document")
    p.set_defaults(func=cmd_resume_show)

    audit = _group(sub, "audit")
    p = audit.add_parser("list", parents=[common], help="list audit events, newest first")
    p.add_argument("--person", metavar="ID", help="only events about this person (id, prefix or erased UUID)")
    p.add_argument("--since", metavar="DATE", help="events on or after DATE")
    p.add_argument("--until", metavar="DATE", help="events up to and including DATE")
    p.add_argument("--action", action="append", metavar="A", help="only this action (repeatable)")
    p.add_argument("--limit", type=int, default=50, help="how many events (default 50)")
    p.add_argument("--before", type=int, metavar="SEQ", help="events before #SEQ (the next page)")
    p.set_defaults(func=cmd_audit_list)
    p = audit.add_parser("show", parents=[common], help="show one audit event in full")
    p.add_argument("seq", type=int, help="the event's number (#)")
    p.set_defaults(func=cmd_audit_show)

    for kind in ("recipient", "organisation"):
        group = _group(sub, kind)
        p = group.add_parser("remove", parents=[common],
                             help=f"delete a {kind} nothing names, or retire one that authorisations or shares "
                                  "name (kept for history, no new use)")
        p.add_argument(kind)
        p.set_defaults(func=cmd_remove, kind=kind)
        p = group.add_parser("reinstate", parents=[common], help=f"make a retired {kind} usable again")
        p.add_argument(kind)
        p.set_defaults(func=cmd_reinstate, kind=kind)

    settings = sub.add_parser("settings", parents=[common], help="show or change settings of the vault and the app")
    ssub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    p = ssub.add_parser("list", parents=[common], help="every setting with its value")
    p.set_defaults(func=cmd_settings_list)
    p = ssub.add_parser("get", parents=[common], help="one setting's value")
    p.add_argument("key", choices=sorted(SETTINGS))
    p.set_defaults(func=cmd_settings_get)
    p = ssub.add_parser("set", parents=[common], help="change a setting")
    p.add_argument("key", choices=sorted(SETTINGS))
    p.add_argument("value", type=int)
    p.set_defaults(func=cmd_settings_set)


# --- documents ------------------------------------------------------------------------------


def cmd_resume_remove(ctx: CliContext) -> int:
    if not ctx.args.yes:
        raise ValidationError("--yes", "removing a document is permanent; add --yes to confirm")
    with ctx.open_vault() as vault:
        doc = vault.documents.get(ctx.args.document)
        vault.documents.remove(doc.id)
        ctx.emit({**doc.to_json(), "removed": True},
                 f"Removed {doc.file_name} ({doc.role} version {doc.version}, id {doc.uuid}).")
    return 0


def cmd_resume_default(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        doc = vault.documents.set_default(ctx.args.document)
        ctx.emit(doc.to_json(), f"{doc.file_name} (version {doc.version}, id {doc.uuid}) is now the default resume.")
    return 0


def cmd_resume_show(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        doc = vault.documents.record_view(ctx.args.document)
        text = vault.documents.text(doc.id)
        ctx.emit({**doc.to_json(), "text": text},
                 text or f"({doc.file_name} has no extracted text: {doc.text_error or doc.text_status})")
    return 0


# --- the audit trail ------------------------------------------------------------------------


def _event_line(data: dict[str, Any]) -> str:
    subject = data["subject"]
    who = data.get("subject_name") or subject["id"][:8]
    details = json.dumps(data["details"], ensure_ascii=False, sort_keys=True)
    return f"#{data['seq']:<6} {data['at'][:19]}  {data['action']:24} {subject['type']} {who}  {details}"


def cmd_audit_list(ctx: CliContext) -> int:
    a = ctx.args
    if a.limit < 1:
        raise ValidationError("--limit", "must be at least 1")
    with ctx.open_vault(readonly=True) as vault:  # reading the trail does not add to it
        scope = make_scope(vault, person=a.person, since=a.since, until=a.until, actions=a.action)
        rows = page_events(vault, scope, before_seq=a.before, limit=a.limit)
        events = [{**row.event.to_json(), "subject_name": row.subject_name} for row in rows]
        more = f"; older: --before {events[-1]['seq']}" if len(events) == a.limit else ""
        ctx.emit({"scope": scope.to_json(), "events": events},
                 "\n".join(_event_line(e) for e in events) + f"\n({len(events)} events, {scope.describe()}{more})")
    return 0


def cmd_audit_show(ctx: CliContext) -> int:
    with ctx.open_vault(readonly=True) as vault:
        rows = page_events(vault, make_scope(vault), before_seq=ctx.args.seq + 1, limit=1)
        if not rows or rows[0].event.seq != ctx.args.seq:
            raise NotFound("audit event", f"#{ctx.args.seq}")
        data = {**rows[0].event.to_json(), "subject_name": rows[0].subject_name}
        ctx.emit(data, json.dumps(data, indent=2, ensure_ascii=False))
    return 0


# --- recipients and organisations -----------------------------------------------------------


def cmd_remove(ctx: CliContext) -> int:
    with ctx.open_vault() as vault:
        removal = retirement.remove(vault, ctx.args.kind, getattr(ctx.args, ctx.args.kind))
        ctx.emit(removal.to_json(), removal.describe())
    return 0


def cmd_reinstate(ctx: CliContext) -> int:
    kind = ctx.args.kind
    with ctx.open_vault() as vault:
        uuid = retirement.reinstate(vault, kind, getattr(ctx.args, kind))
        ctx.emit({"kind": kind, "id": uuid, "retired": False}, f"Reinstated {kind} {uuid}.")
    return 0


# --- settings -------------------------------------------------------------------------------


class _VaultSetting:
    """A setting stored in the vault (travels with it; each change is audited)."""

    where = "vault"

    def __init__(self, key: str, default: int, low: int, high: int, unit: str, help_text: str) -> None:
        self.key, self.default, self.low, self.high, self.unit, self.help = key, default, low, high, unit, help_text

    def read(self, ctx: CliContext, vault: Vault | None) -> int:
        assert vault is not None
        try:
            return int(vault.setting(self.key, str(self.default)) or self.default)
        except ValueError:
            return self.default

    def write(self, ctx: CliContext, vault: Vault | None, value: int) -> None:
        assert vault is not None
        vault.set_setting(self.key, str(value))


class _AppSetting(_VaultSetting):
    """A preference of the desktop app on this computer: the same INI file and keys the app's
    Settings dialog uses (``ui/settings.py``), in the config folder; no vault needed."""

    where = "app"

    def _file(self) -> Path:
        return paths.config_dir() / "ui.ini"

    def _parser(self) -> configparser.ConfigParser:
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(self._file(), encoding="utf-8")
        return parser

    def read(self, ctx: CliContext, vault: Vault | None) -> int:
        section, _, name = self.key.partition("/")
        try:
            value = int(self._parser().get(section, name, fallback=str(self.default)))
        except ValueError:
            return self.default
        return max(self.low, min(self.high, value))

    def write(self, ctx: CliContext, vault: Vault | None, value: int) -> None:
        section, _, name = self.key.partition("/")
        parser = self._parser()
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, name, str(value))
        lines: list[str] = []
        for title in parser.sections():
            lines.append(f"[{title}]")
            lines.extend(f"{key}={val}" for key, val in parser.items(title, raw=True))
            lines.append("")
        self._file().parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self._file(), "\n".join(lines).encode("utf-8"))


#: Every setting the command line reads and changes. The app's defaults are those of ui/settings.py
#: (a test checks they agree; the command line may not import the GUI).
SETTINGS: dict[str, _VaultSetting] = {
    "represent-days": _VaultSetting(
        "sharing.represent_days", DEFAULT_REPRESENT_DAYS, 1, 3650, "days",
        "right-to-represent window: sending a person to a second client within it warns"),
    "retention-months": _VaultSetting(
        "retention.months", 24, 1, 1200, "months", "keep people this long after their last activity"),
    "outreach-max-unanswered": _VaultSetting(
        "outreach.max_unanswered", 3, 1, 100, "attempts", "warn after this many unanswered attempts"),
    "outreach-window-days": _VaultSetting(
        "outreach.window_days", 30, 1, 3650, "days", "the period unanswered attempts are counted over"),
    "idle-lock-minutes": _AppSetting(
        "lock/auto_lock_minutes", 5, 0, 24 * 60, "minutes", "the app locks after this idle time (0: never)"),
    "clipboard-seconds": _AppSetting(
        "clipboard/clear_after_seconds", 30, 5, 600, "seconds", "copied contact details are cleared after this"),
}


def _values(ctx: CliContext, keys: list[str], vault: Vault | None) -> list[dict[str, Any]]:
    return [{"key": key, "value": SETTINGS[key].read(ctx, vault), "unit": SETTINGS[key].unit,
             "scope": SETTINGS[key].where, "help": SETTINGS[key].help} for key in keys]


def _show(ctx: CliContext, keys: list[str]) -> None:
    needs_vault = any(SETTINGS[k].where == "vault" for k in keys)
    if needs_vault:
        with ctx.open_vault(readonly=True) as vault:
            values = _values(ctx, keys, vault)
    else:
        values = _values(ctx, keys, None)
    ctx.emit(values if len(keys) > 1 else values[0],
             "\n".join(f"{v['key']:24} {v['value']} {v['unit']}  ({v['scope']}: {v['help']})" for v in values))


def cmd_settings_list(ctx: CliContext) -> int:
    _show(ctx, list(SETTINGS))
    return 0


def cmd_settings_get(ctx: CliContext) -> int:
    _show(ctx, [ctx.args.key])
    return 0


def cmd_settings_set(ctx: CliContext) -> int:
    key, value = ctx.args.key, ctx.args.value
    setting = SETTINGS[key]
    if not setting.low <= value <= setting.high:
        raise ValidationError(key, f"must be between {setting.low} and {setting.high} {setting.unit}")
    if setting.where == "vault":
        with ctx.open_vault() as vault:
            setting.write(ctx, vault, value)
    else:
        setting.write(ctx, None, value)
    ctx.emit({"key": key, "value": value, "unit": setting.unit, "scope": setting.where},
             f"{key} is now {value} {setting.unit}.")
    return 0
