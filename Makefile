# Two commands on a fresh machine: `make run` and `make test`. Both build .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint screenshots bench bench-small clean bundle bundle-test install-desktop docs-screenshots

$(STAMP): pyproject.toml scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/contact-vault

# mypy reads its targets and settings from pyproject.toml; its cache (.mypy_cache) makes re-runs take ~1 s.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider -n auto

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

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
