# Two commands on a fresh machine: `make run` and `make test`. Both build .venv when it is missing.
# `make run` installs only what the app needs (RUN_STAMP); the test extras go in only for `make test`
# and the other developer targets (STAMP). One of them, keyrings.alt, is a file-based keyring that
# the app rightly refuses ("the configured keyring stores secrets in a file"): `make run` takes it
# out again when a `make test` put it in, and `make test` puts it back.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV      := .venv
PY        := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
STAMP     := $(VENV)/.installed-test

.PHONY: run run-env test lint man screenshots bench bench-small clean bundle bundle-test install-desktop docs-screenshots

$(VENV)/.created: scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(RUN_STAMP): pyproject.toml $(VENV)/.created
	$(PY) -m pip install --quiet -e .
	@touch $@

run-env: $(RUN_STAMP)
	@if $(PY) -m pip show --quiet keyrings.alt >/dev/null 2>&1; then \
	  $(PY) -m pip uninstall --quiet --yes keyrings.alt && rm -f $(STAMP); fi

$(STAMP): pyproject.toml $(VENV)/.created
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

run: run-env
	$(VENV)/bin/contact-vault

# mypy reads its targets and settings from pyproject.toml; its cache (.mypy_cache) makes re-runs take ~1 s.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider -n auto

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# The manual page (man/contact-vault.1, argparse-manpage) and the bash and zsh completion scripts
# (completion/, shtab), from the command definitions; the package installs them and a test fails
# when one is out of date.
man: $(STAMP)
	$(PY) scripts/make_cli_files.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py screenshots

# The agency-scale benchmark (tests/benchmarks/run.py): one JSON object on stdout, results and the
# vault in bench-out/ (reused by later runs; BENCH_ARGS=--rebuild builds it again). ~30 min; small: ~1 min.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tests/benchmarks/run.py $(BENCH_ARGS)

bench-small: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tests/benchmarks/run.py --small $(BENCH_ARGS)

# The desktop bundle (PyInstaller one-folder, build.spec) and its end-to-end test. Too slow for `make test`.
BUNDLE := dist/contact-vault/contact-vault

bundle: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bundle]'
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	@du -sh dist/contact-vault

bundle-test: bundle
	bash scripts/bundle_test.sh $(BUNDLE)

# The .desktop file and icon for the current user; Exec points at the bundle when built, else the venv.
DESKTOP_DIR := $(HOME)/.local/share/applications
ICON_DIR    := $(HOME)/.local/share/icons/hicolor/scalable/apps

install-desktop:
	@exe="$(CURDIR)/$(BUNDLE)"; [ -x "$$exe" ] || exe="$(CURDIR)/$(VENV)/bin/contact-vault"; \
	  [ -x "$$exe" ] || { echo "build it first: make bundle (or make run)"; exit 1; }; \
	  mkdir -p "$(DESKTOP_DIR)" "$(ICON_DIR)"; \
	  install -m 644 resources/icons/app.svg "$(ICON_DIR)/contact-vault.svg"; \
	  sed "s|^Exec=contact-vault|Exec=\"$$exe\"|" resources/contact-vault.desktop > "$(DESKTOP_DIR)/contact-vault.desktop"; \
	  chmod 644 "$(DESKTOP_DIR)/contact-vault.desktop"; \
	  command -v update-desktop-database >/dev/null && update-desktop-database -q "$(DESKTOP_DIR)" || true; \
	  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$(HOME)/.local/share/icons/hicolor" || true; \
	  echo "installed $(DESKTOP_DIR)/contact-vault.desktop (Exec $$exe)"

# User-guide screenshots (docs/*.png) from the demo vault.
docs-screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/docs_screenshots.py docs
	$(PY) scripts/verify_page_screenshots.py docs

clean:
	rm -rf $(VENV) build dist *.egg-info screenshots .mypy_cache
