"""A throw-away demo vault of fictional people (``contact-vault --demo``), built through the core."""

from .builder import DEMO_FILE, DEMO_PASSPHRASE, DemoVault, build_demo_vault
from .documents import RESUMES, Resume, resume_pdf

__all__ = ["DEMO_FILE", "DEMO_PASSPHRASE", "RESUMES", "DemoVault", "Resume", "build_demo_vault", "resume_pdf"]
