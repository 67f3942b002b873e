"""'Remember on this computer': the derived raw key in the OS keyring, never anywhere else.

Only real OS keystores count (Secret Service, macOS Keychain, Windows Credential Locker).
The ``fail`` backend, any ``keyrings.alt`` backend (they write files) and the chainer with
nothing real behind it make the feature unavailable, with a sentence saying why.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

import keyring
import keyring.errors

from .config import AppConfig
from .errors import KeyringUnavailable

SERVICE = "Contact Vault"
_REAL_BACKEND_MODULES = ("keyring.backends.SecretService", "keyring.backends.macOS", "keyring.backends.Windows",
                         "keyring.backends.libsecret", "keyring.backends.kwallet")


@dataclass(frozen=True)
class KeyringStatus:
    available: bool
    backend: str
    reason: str

    def describe(self) -> str:
        if self.available:
            return f"available ({self.backend})"
        return f"not available: {self.reason}"


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _real_backends(backend: object) -> list[object]:
    children = getattr(backend, "backends", None)
    if children is not None:  # ChainerBackend
        return [b for child in children for b in _real_backends(child)]
    module = type(backend).__module__
    if module.startswith(_REAL_BACKEND_MODULES) or getattr(backend, "contact_vault_test_backend", False):
        return [backend]
    return []


def status() -> KeyringStatus:
    """Whether a real OS keystore is there to hold the key, and if not, why not."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration must not stop the app
        return KeyringStatus(False, "error", f"the keyring could not be loaded ({type(exc).__name__})")
    name = _backend_name(backend)
    module = type(backend).__module__
    if module.startswith("keyrings.alt"):
        return KeyringStatus(False, name, "the configured keyring stores secrets in a file, which is not safe enough")
    if module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"):
        return KeyringStatus(False, name, "this computer has no system keyring (such as GNOME Keyring or KWallet)")
    if not _real_backends(backend):
        return KeyringStatus(False, name, "no system keyring was found on this computer")
    try:
        priority = float(getattr(backend, "priority", 1))
    except Exception:
        priority = 1.0
    if priority <= 0 and not getattr(backend, "contact_vault_test_backend", False):
        return KeyringStatus(False, name, "the system keyring is not usable right now")
    return KeyringStatus(True, name, "")


def _account(vault_uuid: str) -> str:
    return f"vault:{vault_uuid}"


def remember(vault_uuid: str, raw_key: bytes, config: AppConfig | None = None) -> None:
    state = status()
    if not state.available:
        raise KeyringUnavailable(state.reason)
    try:
        keyring.set_password(SERVICE, _account(vault_uuid), raw_key.hex())
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the keyring refused to store the key ({exc})") from exc
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring failed ({type(exc).__name__})") from exc
    (config or AppConfig()).set_remembered(vault_uuid, True)


def lost(vault_uuid: str | None, config: AppConfig | None = None) -> bool:
    """True when this computer was told to remember the vault but the keyring no longer has
    the key (keyring locked or gone, entry deleted behind the app's back)."""
    return (config or AppConfig()).is_remembered(vault_uuid) and recall(vault_uuid) is None


def recall(vault_uuid: str | None) -> bytes | None:
    """The remembered key, or None (not remembered, keyring locked or gone: ask for the passphrase)."""
    if not vault_uuid or not status().available:
        return None
    try:
        value = keyring.get_password(SERVICE, _account(vault_uuid))
    except Exception:
        return None
    if not value:
        return None
    try:
        key = binascii.unhexlify(value)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


def forget(vault_uuid: str, config: AppConfig | None = None) -> None:
    (config or AppConfig()).set_remembered(vault_uuid, False)
    try:
        keyring.delete_password(SERVICE, _account(vault_uuid))
    except Exception:
        return
