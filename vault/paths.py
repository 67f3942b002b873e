"""Where the vault and the app's non-secret configuration live on this computer."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ContactVault"
VAULT_FILE_NAME = "vault.cvault"


def default_vault_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / VAULT_FILE_NAME


def resolve_vault_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--vault`` first, then ``CONTACT_VAULT_PATH``, then the platform default."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get("CONTACT_VAULT_PATH")
    if env:
        return Path(env).expanduser().absolute()
    return default_vault_path()


def config_dir() -> Path:
    """Non-secret preferences (recent vaults, UI settings). Overridable for tests."""
    env = os.environ.get("CONTACT_VAULT_CONFIG_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """The resources/ folder: beside the packages in a checkout, under _MEIPASS in the frozen bundle."""
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
