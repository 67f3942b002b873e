"""First run: create the vault (location, passphrase with a strength meter, owner identity)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vault import passphrase_policy, remember
from vault.errors import ValidationError, VaultError

from .field_errors import FieldErrors, error_label
from .icons import icon
from .notifier import notifier
from .strength import estimate
from .worker import VaultInfo, VaultWorker

_METER_COLOURS = ("#c0392b", "#c0392b", "#d68910", "#7dae3a", "#27ae60")


class FirstRunPage(QWidget):
    """Emits ``created`` with the VaultInfo once the new vault is open on the worker."""

    created = Signal(object)
    open_existing = Signal()

    def __init__(self, worker: VaultWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._weak_accepted_for: str | None = None
        self.worker = worker
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        panel = QFrame()
        panel.setObjectName("firstRunPanel")
        panel.setMaximumWidth(560)
        panel.setMinimumWidth(460)
        outer.addSpacing(24)
        outer.addWidget(panel)
        layout = QVBoxLayout(panel)

        title = QLabel("<h2>Create your Contact Vault</h2>")
        intro = QLabel("Everything you keep here — people, contact details, resumes — is stored in one "
                       "encrypted file on this computer. Nothing leaves it unless you share it.")
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)

        self.location = QLineEdit()
        browse = QPushButton(icon("folder"), "Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(browse)
        form.addRow("Location:", row)
        form.addRow("", self.errors.register("location", self.location, "path"))

        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("A long passphrase, e.g. four or five unrelated words")
        self.passphrase.textChanged.connect(self._update_strength)
        form.addRow("Passphrase:", self.passphrase)
        self.meter = QProgressBar()
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(8)
        self.meter_label = QLabel()
        meter_box = QVBoxLayout()
        meter_box.setSpacing(2)
        meter_box.addWidget(self.meter)
        meter_box.addWidget(self.meter_label)
        form.addRow("Strength:", meter_box)
        form.addRow("", self.errors.register("passphrase", self.passphrase))

        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Confirm:", self.confirm)
        form.addRow("", self.errors.register("confirm", self.confirm))

        self.owner_name = QLineEdit()
        self.owner_name.setPlaceholderText("Your name, as recipients of your shares will see it")
        form.addRow("Your name:", self.owner_name)
        form.addRow("", self.errors.register("name", self.owner_name, "owner_name"))
        self.organisation = QLineEdit()
        form.addRow("Organisation:", self.organisation)
        self.email = QLineEdit()
        form.addRow("E-mail:", self.email)
        form.addRow("", self.errors.register("email", self.email))

        self.remember = QCheckBox("Remember on this computer (keeps the key in the system keyring)")
        self.remember_reason = QLabel()
        self.remember_reason.setWordWrap(True)
        self.remember_reason.setStyleSheet("color: palette(placeholder-text);")
        form.addRow("", self.remember)
        layout.addLayout(form)
        layout.addWidget(self.remember_reason)

        warning = QLabel("<b>A lost passphrase cannot be recovered.</b> It is the only key to the vault: "
                         "without it nobody, not even Contact Vault, can open your data. Write it down and "
                         "keep it somewhere safe.")
        warning.setWordWrap(True)
        warning.setObjectName("lostPassphraseWarning")
        warning.setStyleSheet("QLabel#lostPassphraseWarning { background: #fff4d6; color: #5a4300;"
                              " border: 1px solid #e6c66a; border-radius: 4px; padding: 8px; }")
        layout.addWidget(warning)
        layout.addWidget(self.general_error)

        buttons = QHBoxLayout()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.busy_label = QLabel("Creating the vault…")
        self.busy_label.hide()
        self.open_button = QPushButton("Open an existing vault…")
        self.open_button.clicked.connect(self.open_existing)
        self.create_button = QPushButton(icon("lock"), "Create vault")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.submit)
        self.confirm.returnPressed.connect(self.submit)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.busy_label)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        outer.addStretch(1)
        self._update_strength("")

    # --- state ------------------------------------------------------------------------------

    def prepare(self, location: Path) -> None:
        """Show the page for a new vault at ``location`` (the default, or ``--vault``)."""
        self.location.setText(str(location))
        state = remember.status()
        self.remember.setEnabled(state.available)
        self.remember.setChecked(False)
        self.remember_reason.setText("" if state.available else f"Not available: {state.reason}.")
        self.remember_reason.setVisible(not state.available)
        self.errors.clear()
        self._set_busy(False)

    def clear(self) -> None:
        for edit in (self.passphrase, self.confirm, self.owner_name, self.organisation, self.email):
            edit.clear()
        self.errors.clear()

    def _browse(self) -> None:
        path = notifier().choose_save_file(self, "Where should the vault live?", self.location.text(),
                                           "Contact Vault (*.cvault)")
        if path:
            self.location.setText(path if path.endswith(".cvault") else path + ".cvault")

    def _update_strength(self, text: str) -> None:
        result = estimate(text)
        self.meter.setValue(result.score)
        colour = _METER_COLOURS[result.score]
        self.meter.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.meter_label.setText(result.label or "Type a passphrase")

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)
        for widget in (self.create_button, self.open_button, self.location, self.passphrase, self.confirm,
                       self.owner_name, self.organisation, self.email):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and remember.status().available)

    # --- creating ---------------------------------------------------------------------------

    def submit(self) -> None:
        self.errors.clear()
        location = self.location.text().strip()
        if not location:
            self.errors.show(ValidationError("location", "choose where the vault file goes"))
            return
        if self.passphrase.text() != self.confirm.text():
            self.errors.show(ValidationError("confirm", "the two passphrases differ"))
            self.confirm.clear()
            return
        text = self.passphrase.text()
        if len(text) >= passphrase_policy.MIN_LENGTH and self._weak_accepted_for != text:
            result = passphrase_policy.strength(text, (self.owner_name.text(), self.organisation.text(),
                                                       self.email.text()))
            if result.score < passphrase_policy.MIN_SCORE:
                self._ask_about_weak(result)
                return
        self._set_busy(True)
        self.worker.create(
            Path(location).expanduser(), self.passphrase.text(), owner_name=self.owner_name.text(),
            organisation=self.organisation.text(), email=self.email.text(),
            remember_key=self.remember.isChecked(), on_result=self._created, on_error=self._failed,
        )

    def _ask_about_weak(self, result: passphrase_policy.Strength) -> None:
        """A second, explicit confirmation before a weak passphrase is used (as KeePassXC asks)."""
        hint = f" ({result.hint})" if result.hint else ""
        accepted = self.passphrase.text()
        choice = notifier().choose_option(
            self, "Weak passphrase",
            f"This passphrase is easy to guess{hint}: strength {result.score} of 4. Anyone who gets a copy of "
            "the vault file could try guesses like it offline, without limit.\n\nChoose a longer one (four or "
            "five unrelated words), or use this one anyway?",
            [("use-weak", "Use this weak passphrase"), ("choose", "Choose another")], cancel="choose")
        if choice == "use-weak" and self.passphrase.text() == accepted:
            self._weak_accepted_for = accepted
            self.submit()
        else:
            self.errors.show(ValidationError("passphrase", "it is too easy to guess; choose a longer one"))
            self.passphrase.setFocus()

    def _created(self, info: VaultInfo) -> None:
        self._set_busy(False)
        self.clear()
        self.created.emit(info)

    def _failed(self, error: VaultError) -> None:
        self._set_busy(False)
        self.errors.show(error)
