"""Contact Vault at agency scale: build a seeded synthetic vault, measure every hot path, print JSON.

    python tests/benchmarks/run.py            # 100,000 people, 20,000 resumes, >= 1,000,000 events
    python tests/benchmarks/run.py --small    # the same run at 1/50 scale, for a quick check

Three stages, each in its own process so peak memory is attributed honestly:

1. build (this process): the data set, written through the real services (see ``DATASET``);
   skipped when ``bench-out/<scale>/`` already holds a finished vault of the same seed and scale;
2. measure (``--measure`` child): unlock, list page, searches with the raw ``sqlcipher3`` baseline
   on the same file, person detail, resume intake, share package, chain verification, audit export,
   vCard import, peak RSS;
3. GUI (tests/benchmarks/gui_at_scale.py child): launch to unlock page, then the real window on
   the vault: unlock, first page, search-as-you-type, scrolling the whole list, RSS.

Targets are checked here, not by timed assertions in the test suite. Nothing here weakens the
product: the vault uses SQLCipher 4 defaults and the real PBKDF2 key derivation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
for _entry in (str(REPO), str(Path(__file__).resolve().parent)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

import dataset  # noqa: E402  (tests/benchmarks/dataset.py)

PASSPHRASE = "benchmark vault passphrase 7"
SEED = 7
SCALES: dict[str, dict[str, int]] = {
    "full": {"people": 100_000, "resumes": 20_000, "authorisations": 5_000, "shares": 2_000,
             "events": 1_000_000, "vcards": 10_000},
    "small": {"people": 2_000, "resumes": 400, "authorisations": 100, "shares": 40,
              "events": 20_000, "vcards": 1_000},
}
PAGE = 100  # the people list's page size (ui/people_model.py PAGE_SIZE)
#: The list rows of a page of ids, as ``PeopleService.rows`` reads them (the raw baselines).
ROWS_SQL = """SELECT p.id, p.uuid, p.kind, p.full_name, p.organisation, p.title, p.updated_at,
                   (SELECT value FROM contact_points c WHERE c.person_id = p.id AND c.kind = 'email'
                    ORDER BY c.id LIMIT 1),
                   (SELECT value FROM contact_points c WHERE c.person_id = p.id AND c.kind = 'phone'
                    ORDER BY c.id LIMIT 1)
                FROM people p WHERE p.id IN ({marks})"""
TARGETS = {
    "search_p95_ms": ("<=", 50.0),
    "search_p95_vs_raw": ("<=", 1.5),
    "first_page_ms": ("<=", 50.0),
    "person_detail_p95_ms": ("<=", 30.0),
    "share_package_2mb_s": ("<=", 1.0),
    "chain_verify_events_per_s": (">=", 200_000.0),
    "import_10k_vcards_s": ("<=", 10.0),
    "gui_rss_mb": ("<=", 400.0),
    "launch_to_unlock_page_s": ("<=", 1.5),
    "verify_page_20mb_s": ("<=", 2.0),
    "search_in_views_p95_ms": ("<=", 50.0),
    "search_in_views_vs_raw": ("<=", 1.5),
    "gui_search_first_rows_p95_ms": ("<=", 60.0),
    "import_10k_vcards_cli_s": ("<=", 6.0),
    "refresh_after_edit_ms": ("<=", 20.0),
    "cli_search_s": ("<=", 0.25),
    "quick_check_s": ("<=", 5.0),
    "share_pdf_redacted_3p_s": ("<=", 1.5),
    "share_docx_converted_3p_s": ("<=", 6.0),
}
#: Measured but without a target (the full check reads every page and row of the vault).
REPORTED = ("check_s",)
#: Share of people the measurement copy marks do-not-contact, and gives a retention date (half of
#: them past): the built data set has neither, and those views would otherwise be empty.
DNC_SHARE, RETENTION_SHARE = 0.015, 0.03
DATASET = (
    "Seeded (random.Random(7)) synthetic desk. People: PeopleService.add inside one vault.transaction() "
    "per 2,000 people (each with an e-mail, a phone and a link or address, 1-3 tags, notes; 70 % candidates); "
    "every add writes its person.created audit event and FTS row as in the app. Resumes: real 1-3 page PDFs "
    "drawn with reportlab (2 processes), type-sniffed, text extracted by the product's limited child "
    "process through extraction.extract_many (one limited child per batch of 40, CPU limit reset per "
    "document, 2 batches in parallel), stored with DocumentService.add_bytes inside one transaction per "
    "1,000. Authorisations: AuthorisationService.log (resume + email, 40 recipients in 15 organisations). "
    "Shares: sharing.build_share, each a real signed, stamped package (file then deleted). Audit: the "
    "events of all the above plus bulk events (document.viewed, person.updated, outreach.logged, "
    "tag.added on random people) appended through Vault.record in transactions of 50,000 until the "
    "chain holds at least the target count."
)


# --- helpers ----------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


# --- stage 1: build ---------------------------------------------------------------------------


def build(folder: Path, scale: dict[str, int]) -> dict[str, Any]:
    from vault import sniff
    from vault.config import AppConfig
    from vault.extraction import extract_many
    from vault.people import NewContactPoint, PersonFields
    from vault.sharing import build_share, default_items
    from vault.store import Vault

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / "bench.cvault"
    config = AppConfig(folder / "config")
    rng = random.Random(SEED)
    stats: dict[str, Any] = {}
    vault = Vault.create(path, PASSPHRASE, owner_name="Bench Recruiter", organisation="Benchmark Talent",
                         email="bench@benchmark.example", config=config)

    # People.
    log(f"people: {scale['people']}")
    specs = [dataset.person_spec(rng, n) for n in range(scale["people"])]
    ids: list[int] = []
    start = time.perf_counter()
    for batch in chunks(specs, 2000):
        with vault.transaction():
            for spec in batch:
                person = vault.people.add(
                    PersonFields(full_name=f"{spec.given} {spec.family}", given_name=spec.given,
                                 family_name=spec.family, kind=spec.kind, organisation=spec.organisation,
                                 title=spec.title, headline=f"{spec.title} · {spec.tags[0]} · {spec.city}",
                                 notes=spec.notes),
                    [NewContactPoint("email", spec.email), NewContactPoint("phone", spec.phone),
                     NewContactPoint(spec.third[0], spec.third[1], source="public-profile")],
                    spec.tags,
                )
                ids.append(person.id)
        if len(ids) % 20_000 == 0:
            log(f"  {len(ids)} people")
    seconds = time.perf_counter() - start
    stats["people"] = {"count": len(ids), "seconds": round(seconds, 1), "per_s": round(len(ids) / seconds)}

    # Resumes: generate (2 processes), extract (2 limited children at a time), store.
    log(f"resumes: {scale['resumes']}")
    with_resume = sorted(rng.sample(range(len(ids)), scale["resumes"]))
    start = time.perf_counter()
    timing = {"generate": 0.0, "extract": 0.0, "store": 0.0}
    failed = 0
    pool = get_context("fork").Pool(2)
    threads = ThreadPoolExecutor(2)
    try:
        for batch in chunks(with_resume, 1000):
            jobs = [(SEED * 1_000_003 + n, f"{specs[n].given} {specs[n].family}",
                     f"{specs[n].title} at {specs[n].organisation}", specs[n].email, specs[n].tags) for n in batch]
            t0 = time.perf_counter()
            pdfs = pool.map(dataset.make_resume, jobs, chunksize=50)
            t1 = time.perf_counter()
            items = [(data, sniff.sniff(data, "resume.pdf")) for data in pdfs]
            half = len(items) // 2
            results = [r for part in threads.map(extract_many, [items[:half], items[half:]]) for r in part]
            t2 = time.perf_counter()
            with vault.transaction():
                for n, (data, mime), result in zip(batch, items, results, strict=True):
                    failed += not result.ok
                    vault.documents.add_bytes(ids[n], data, f"{specs[n].family}-resume.pdf",
                                              prepared=(mime, result))
            t3 = time.perf_counter()
            timing["generate"] += t1 - t0
            timing["extract"] += t2 - t1
            timing["store"] += t3 - t2
            log(f"  resumes up to #{batch[-1]} (gen {t1 - t0:.1f}s, extract {t2 - t1:.1f}s, store {t3 - t2:.1f}s)")
    finally:
        pool.close()
        threads.shutdown()
    seconds = time.perf_counter() - start
    stats["resumes"] = {"count": len(with_resume), "seconds": round(seconds, 1),
                        "per_s": round(len(with_resume) / seconds, 1), "extraction_failed": failed,
                        **{f"{k}_s": round(v, 1) for k, v in timing.items()}}

    # Recipients and authorisations.
    log(f"authorisations: {scale['authorisations']}")
    orgs = rng.sample(dataset.COMPANIES, 15)
    recipients = []
    for n in range(40):
        recipients.append(vault.recipients.add(f"{rng.choice(dataset.GIVEN)} {rng.choice(dataset.FAMILY)}",
                                               email=f"recruiting{n}@client{n % 15}.example",
                                               organisation=orgs[n % 15]))
    authorised = [n for n in with_resume if specs[n].kind == "candidate"][:scale["authorisations"]]
    auths: list[tuple[int, int]] = []
    start = time.perf_counter()
    for batch in chunks(authorised, 500):
        with vault.transaction():
            for n in batch:
                rec = rng.choice(recipients)
                vault.authorisations.log(
                    ids[n], scope=["resume", "email"], purpose=f"{rng.choice(dataset.TITLES)} role at {rec.organisation}",
                    method=rng.choice(("email", "phone", "in-person", "written", "form")),
                    obtained_at="2026-06-01", valid_until="2028-12-31", recipient=rec.id,
                )
                auths.append((ids[n], rec.id))
    seconds = time.perf_counter() - start
    stats["authorisations"] = {"count": len(auths), "seconds": round(seconds, 1),
                               "per_s": round(len(auths) / seconds)}

    # Shares: real packages.
    log(f"shares: {scale['shares']}")
    out_dir = Path(tempfile.mkdtemp(prefix="cv-bench-pkg-"))
    start = time.perf_counter()
    try:
        for n, (person_id, rec_id) in enumerate(auths[:scale["shares"]]):
            target = out_dir / "share.cvpkg"
            build_share(vault, person_id, rec_id, default_items(vault, person_id, fields=["email"]), target)
            target.unlink()
            if (n + 1) % 500 == 0:
                log(f"  {n + 1} shares")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    seconds = time.perf_counter() - start
    stats["shares"] = {"count": scale["shares"], "seconds": round(seconds, 1),
                       "per_s": round(scale["shares"] / seconds, 1)}

    # Bulk audit events up to the target.
    real_events = vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    missing = max(0, scale["events"] - real_events)
    log(f"audit: {real_events} real events, appending {missing}")
    uuids = [r[0] for r in vault.conn.execute("SELECT uuid FROM people ORDER BY id")]
    shapes: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("document.viewed", lambda: {"document": str(rng.getrandbits(64))}),
        ("person.updated", lambda: {"fields": sorted(rng.sample(["headline", "notes", "status", "title"], 2))}),
        ("outreach.logged", lambda: {"channel": rng.choice(["call", "email", "message"]), "outcome": "no-answer"}),
        ("tag.added", lambda: {"tag_count": 1}),
    ]
    start = time.perf_counter()
    appended = 0
    while appended < missing:
        size = min(50_000, missing - appended)
        with vault.transaction():
            for _ in range(size):
                action, details = shapes[rng.randrange(len(shapes))]
                vault.record(action, "person", rng.choice(uuids), details())
        appended += size
        log(f"  {real_events + appended} events")
    seconds = time.perf_counter() - start
    stats["audit_bulk"] = {"count": appended, "seconds": round(seconds, 1),
                           "per_s": round(appended / seconds) if seconds else 0, "real_events": real_events}
    vault.close()
    total = sum(v["seconds"] for v in stats.values())
    stats["total_build_s"] = round(total, 1)
    manifest = {"seed": SEED, "scale": scale, "build": stats, "file_mb": round(path.stat().st_size / 2**20, 1)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


# --- stage 2: measure -------------------------------------------------------------------------


SEARCH_SHAPES: list[tuple[str, str]] = [
    ("family name", "Okafor"),
    ("full name", "Maria Okafor"),
    ("given-name prefix", "mar*"),
    ("short prefix", "ja*"),
    ("e-mail address", "@EMAIL@"),
    ("e-mail domain", "acme-corp.example"),
    ("phone as typed", "@PHONE@"),
    ("phone digits", "@DIGITS@"),
    ("resume word", "kubernetes"),
    ("rare resume word", "postmortem"),
    ("resume word prefix", "microserv*"),
    ("boolean AND", "python AND kubernetes"),
    ("boolean OR", "golang OR rust"),
    ("boolean NOT", "python NOT java"),
    ("grouped boolean", "(python OR golang) AND senior"),
    ("phrase", '"data engineer"'),
    ("resume phrase", '"machine learning"'),
    ("phrase and NOT", 'python "team lead" NOT contract'),
    ("tag", "fintech"),
    ("company", "Globex Analytics"),
    ("title words", "engineering manager"),
    ("notes word", "relocation"),
    ("city", "Berlin"),
    ("no match", "zyxwvutsr"),
]


def _raw_connection(path: Path, key: bytes) -> Any:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def _repeat(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        seconds, _value = timed(fn)
        out.append(seconds * 1000)
    return out


def first_time_words(seed: int) -> list[str]:
    """A shuffled pool of the data set's words (names, skills, cities, resume words, prefixes):
    each is queried once, so no measurement is a repeat of the query just run."""
    pool = [w for w in (*dataset.FAMILY, *dataset.GIVEN, *dataset.SKILLS, *dataset.RESUME_WORDS)
            if w.isalpha()]
    pool += [c for c in dataset.CITIES if " " not in c]
    pool += [f"{w[:3].lower()}*" for w in dataset.FAMILY[::7]]
    unique = sorted(set(pool))
    random.Random(seed).shuffle(unique)
    return unique


#: (label, view, tag) of every sidebar view a search can run in. From the Expiring authorisations
#: page, the search box shows the people list in the view chosen before it (All at start).
SEARCH_VIEWS: list[tuple[str, str, str | None]] = [
    ("all", "all", None), ("candidates", "candidates", None), ("contacts", "contacts", None),
    ("do-not-contact", "do-not-contact", None), ("retention-due", "retention-due", None),
    ("expiring (all)", "all", None), ("tag", "tag", "python"),
]


def mark_views(vault: Any, scale: dict[str, int]) -> dict[str, int]:
    """Untimed set-up of the measurement copy: some people do-not-contact, some with a retention
    date (half of them due), chosen by seed, so every sidebar view has people in it."""
    rng = random.Random(SEED + 5)
    ids = [r[0] for r in vault.conn.execute("SELECT id FROM people ORDER BY id")]
    dnc = rng.sample(ids, int(len(ids) * DNC_SHARE))
    kept = rng.sample(ids, int(len(ids) * RETENTION_SHARE))
    with vault.transaction() as conn:
        conn.executemany("UPDATE contact_points SET outreach = 'do-not-contact' WHERE id = "
                         "(SELECT min(id) FROM contact_points WHERE person_id = ?)", [(i,) for i in dnc])
        conn.executemany("UPDATE people SET retention_until = ? WHERE id = ?",
                         [("2020-01-01" if n % 2 else "2099-01-01", i) for n, i in enumerate(kept)])
    return {"do_not_contact": len(dnc), "retention_due": len(kept) - len(kept) // 2}


def search_in_views(vault: Any, raw: Any, words: list[str], per_view: int) -> dict[str, Any]:
    """Search in every sidebar view, each word for the first time on both connections: the app's
    ``SearchService.query`` (ranked page + count when full) against the same SQL through a plain
    sqlcipher3 connection."""
    from vault import search

    out: dict[str, Any] = {}
    worst_p95, worst_ratio = 0.0, 0.0
    cursor = 0
    for label, view, tag in SEARCH_VIEWS:
        scope = search.view_filter(vault, view, tag)
        rank_sql = (f"SELECT search_index.rowid FROM search_index{scope.join} WHERE search_index MATCH ?{scope.where} "
                    f"ORDER BY bm25(search_index, {search._WEIGHTS}), search_index.rowid LIMIT ? OFFSET 0")
        count_sql = f"SELECT count(*) FROM search_index{scope.join} WHERE search_index MATCH ?{scope.where}"
        app_ms: list[float] = []
        raw_ms: list[float] = []
        matches: list[int] = []
        for text in words[cursor:cursor + per_view]:
            match = search.phone_query(text) or search.to_fts_query(text)
            params = (*scope.join_params, match, *scope.params)

            def raw_query(p: tuple[Any, ...] = params, rank: str = rank_sql, count: str = count_sql) -> int:
                ids = raw.execute(rank, (*p, PAGE)).fetchall()
                return len(ids) if len(ids) < PAGE else raw.execute(count, p).fetchone()[0]

            seconds, result = timed(lambda t=text, v=view, g=tag: vault.search.query(t, limit=PAGE, view=v, tag=g))
            app_ms.append(seconds * 1000)
            seconds, total = timed(raw_query)
            raw_ms.append(seconds * 1000)
            assert total == result.total, (text, view, total, result.total)
            matches.append(result.total)
        cursor += per_view
        p95, raw_p95 = pct(app_ms, 0.95), pct(raw_ms, 0.95)
        ratio = p95 / max(raw_p95, 1e-6)
        worst_p95, worst_ratio = max(worst_p95, p95), max(worst_ratio, ratio)
        out[label] = {"queries": len(app_ms), "p50_ms": round(pct(app_ms, 0.5), 2), "p95_ms": round(p95, 2),
                      "raw_p50_ms": round(pct(raw_ms, 0.5), 2), "raw_p95_ms": round(raw_p95, 2),
                      "p95_vs_raw": round(ratio, 2), "median_matches": int(statistics.median(matches))}
    return {"search_in_views_p95_ms": round(worst_p95, 2), "search_in_views_vs_raw": round(worst_ratio, 2),
            "search_in_views": out}


def cli(args: list[str], vault_path: Path, config: Path, timeout: float = 3600) -> tuple[float, str]:
    """Wall time of one ``contact-vault`` command in a fresh interpreter (KDF included)."""
    env = dict(os.environ, CONTACT_VAULT_PASSPHRASE=PASSPHRASE, CONTACT_VAULT_CONFIG_DIR=str(config),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ui.launcher", *args, "--vault", str(vault_path)], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"contact-vault {' '.join(args)} failed: {proc.stderr.strip()}")
    return seconds, proc.stdout


def measure(folder: Path, scale: dict[str, int]) -> dict[str, Any]:
    from vault import kdf, search
    from vault.audit.writers import export_audit
    from vault.authorisations import AuthorisationService
    from vault.config import AppConfig
    from vault.importing import apply_plan, plan_import
    from vault.sharing import build_share, default_items, list_shares
    from vault.store import Vault

    # Measure a copy: the measurements add resumes, shares and 10,000 imported people.
    path = folder / "measure.cvault"
    for extra in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{extra}").unlink()
    shutil.copyfile(folder / "bench.cvault", path)
    config = AppConfig(folder / "config")
    figures: dict[str, Any] = {}

    # Unlock, with and without the key derivation.
    with_kdf: list[float] = []
    for _ in range(3):
        seconds, vault = timed(lambda: Vault.open(path, PASSPHRASE, config=config))
        key = vault.raw_key
        vault.close()
        with_kdf.append(seconds)
    kdf_only = min(_repeat(lambda: kdf.derive_key(PASSPHRASE, kdf.read_salt(path)), 2)) / 1000
    without: list[float] = []
    for _ in range(5):
        seconds, vault = timed(lambda: Vault.open(path, raw_key=key, config=config))
        vault.close()
        without.append(seconds)
    figures["unlock_with_kdf_s"] = round(statistics.median(with_kdf), 3)
    figures["unlock_without_kdf_s"] = round(statistics.median(without), 3)
    figures["kdf_alone_s"] = round(kdf_only, 3)

    vault = Vault.open(path, raw_key=key, config=config)
    raw = _raw_connection(path, key)
    conn = vault.conn

    # First page of the people list, exactly as ui/people_model.fetch_page asks for it.
    def first_page() -> Any:
        ids = vault.people.list_ids(view="all", sort="name", limit=PAGE, offset=0)
        return vault.people.count("all"), vault.people.rows(ids)

    cold, _ = timed(first_page)
    warm = _repeat(first_page, 30)
    figures["first_page_ms"] = round(cold * 1000, 2)
    figures["first_page_warm_p50_ms"] = round(pct(warm, 0.5), 2)
    marks = ",".join("?" * PAGE)
    rows_sql = ROWS_SQL.format(marks=marks)
    page_sql = ("SELECT p.id FROM people p ORDER BY p.sort_name COLLATE NOCASE ASC, p.id ASC LIMIT ? OFFSET ?")

    def raw_page() -> Any:
        ids = [r[0] for r in raw.execute(page_sql, (PAGE, 0)).fetchall()]
        total = raw.execute("SELECT count(*) FROM people").fetchone()[0]
        return total, raw.execute(rows_sql, ids).fetchall()

    raw_page()
    raw_warm = _repeat(raw_page, 30)
    figures["first_page_raw_p50_ms"] = round(pct(raw_warm, 0.5), 2)
    figures["first_page_vs_raw"] = round(pct(warm, 0.5) / pct(raw_warm, 0.5), 2)
    deep = _repeat(lambda: vault.people.rows(vault.people.list_ids(limit=PAGE, offset=scale["people"] // 2)), 5)
    figures["middle_page_p50_ms"] = round(pct(deep, 0.5), 2)

    # Search in every sidebar view, on words queried for the first time.
    figures["marked_for_views"] = mark_views(vault, scale)
    figures.update(search_in_views(vault, raw, first_time_words(SEED), per_view=12))

    # Search: >= 20 shapes, app versus the same FTS5 query through sqlcipher3.
    sample = conn.execute(
        "SELECT p.id, e.value, ph.value FROM people p JOIN contact_points e ON e.person_id = p.id AND e.kind = 'email' "
        "JOIN contact_points ph ON ph.person_id = p.id AND ph.kind = 'phone' WHERE ph.value LIKE '+1%' "
        "ORDER BY p.id LIMIT 1 OFFSET ?", (scale["people"] // 3,)).fetchone()
    digits = "".join(ch for ch in sample[2] if ch.isdigit())[1:]
    typed_phone = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    shapes = [(name, q.replace("@EMAIL@", sample[1]).replace("@PHONE@", typed_phone).replace("@DIGITS@", digits))
              for name, q in SEARCH_SHAPES]
    weights = search._WEIGHTS
    raw_sql = (f"SELECT rowid FROM search_index WHERE search_index MATCH ? "
               f"ORDER BY bm25(search_index, {weights}) LIMIT ? OFFSET 0")
    app_all: list[float] = []
    raw_all: list[float] = []
    per_shape: list[dict[str, Any]] = []
    rounds = 7
    for name, text in shapes:
        match = search.phone_query(text) or search.to_fts_query(text)
        vault.search.query(text, limit=PAGE)
        raw.execute(raw_sql, (match, PAGE)).fetchall()
        app_times = _repeat(lambda t=text: vault.search.query(t, limit=PAGE), rounds)
        raw_times = _repeat(lambda m=match: raw.execute(raw_sql, (m, PAGE)).fetchall(), rounds)
        result = vault.search.query(text, limit=PAGE)
        rows_ms = _repeat(lambda r=result: vault.people.rows(r.ids), 3)
        app_all += app_times
        raw_all += raw_times
        per_shape.append({"shape": name, "query": text, "fts": match, "matches": result.total,
                          "app_p50_ms": round(pct(app_times, 0.5), 2), "raw_p50_ms": round(pct(raw_times, 0.5), 2),
                          "rows_for_page_ms": round(pct(rows_ms, 0.5), 2)})
    figures["search_shapes"] = len(shapes)
    figures["search_p50_ms"] = round(pct(app_all, 0.5), 2)
    figures["search_p95_ms"] = round(pct(app_all, 0.95), 2)
    figures["search_raw_p50_ms"] = round(pct(raw_all, 0.5), 2)
    figures["search_raw_p95_ms"] = round(pct(raw_all, 0.95), 2)
    figures["search_p95_vs_raw"] = round(pct(app_all, 0.95) / max(pct(raw_all, 0.95), 1e-6), 2)
    figures["search_p50_vs_raw"] = round(pct(app_all, 0.5) / max(pct(raw_all, 0.5), 1e-6), 2)
    figures["search_per_shape"] = per_shape

    # Person detail: what the detail pane loads when a person is selected.
    from vault import audit

    people_with_docs = [r[0] for r in conn.execute(
        "SELECT DISTINCT p.uuid FROM people p JOIN shares s ON s.person_id = p.id ORDER BY p.id LIMIT 40")]
    people_plain = [r[0] for r in conn.execute("SELECT uuid FROM people ORDER BY random() LIMIT 40")]

    def detail(person_uuid: str) -> Any:
        return (vault.people.get(person_uuid), vault.documents.for_person(person_uuid),
                vault.authorisations.for_person(person_uuid), list_shares(vault, person_uuid),
                audit.query_events(vault.conn, subject_ids=[person_uuid], limit=500, mentions=False))

    detail_times = [timed(lambda u=u: detail(u))[0] * 1000 for u in people_with_docs + people_plain]
    figures["person_detail_p50_ms"] = round(pct(detail_times, 0.5), 2)
    figures["person_detail_p95_ms"] = round(pct(detail_times, 0.95), 2)
    parts = {
        "profile": lambda u: vault.people.get(u),
        "documents": lambda u: vault.documents.for_person(u),
        "authorisations": lambda u: vault.authorisations.for_person(u),
        "shares": lambda u: list_shares(vault, u),
        "activity": lambda u: audit.query_events(vault.conn, subject_ids=[u], limit=500, mentions=False),
    }
    figures["person_detail_parts_p50_ms"] = {
        name: round(pct([timed(lambda u=u, f=fn: f(u))[0] * 1000 for u in people_with_docs[:20]], 0.5), 2)
        for name, fn in parts.items()}

    # Adding a resume, text extraction included.
    intake: list[float] = []
    targets = [r[0] for r in conn.execute("SELECT uuid FROM people WHERE kind = 'candidate' ORDER BY id DESC LIMIT 5")]
    with tempfile.TemporaryDirectory() as tmp:
        for n, person_uuid in enumerate(targets):
            pdf = dataset.make_resume((99 + n, "Intake Person", "Data Engineer", "intake@example.org", ("python",)))
            file = Path(tmp) / f"resume-{n}.pdf"
            file.write_bytes(pdf)
            intake.append(timed(lambda f=file, u=person_uuid: vault.documents.add_file(u, f))[0] * 1000)
    figures["add_resume_p50_ms"] = round(pct(intake, 0.5), 1)

    # Share package with a 2 MB PDF.
    big = dataset.big_pdf(2 * 1024 * 1024, "Share Person")
    share_person = targets[0]
    doc = vault.documents.add_bytes(share_person, big, "big-resume.pdf")
    rec = vault.recipients.list()[0]
    AuthorisationService(vault).log(share_person, scope=["resume", "email"], purpose="Benchmark role",
                                    method="email", obtained_at="2026-06-01", valid_until="2028-12-31",
                                    recipient=rec.id)
    share_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(3):
            out = Path(tmp) / f"share-{n}.cvpkg"
            items = default_items(vault, share_person, fields=["email"])
            seconds, _ = timed(lambda o=out, i=items: build_share(vault, share_person, rec.id, i, o))
            share_times.append(seconds)
        package_mb = out.stat().st_size / 2**20
    figures["share_package_2mb_s"] = round(statistics.median(share_times), 3)
    figures["share_package_pdf_mb"] = round(doc.size / 2**20, 2)
    figures["share_package_file_mb"] = round(package_mb, 2)

    # Audit chain verification.
    seconds, status = timed(vault.verify_audit_chain)
    assert status.ok, status.describe()
    figures["audit_events"] = status.count
    figures["chain_verify_s"] = round(seconds, 2)
    figures["chain_verify_events_per_s"] = round(status.count / seconds)

    # Export every event to JSON Lines.
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        out = Path(tmp) / "audit.jsonl"
        seconds, result = timed(lambda: export_audit(vault, out, "jsonl"))
        figures["export_jsonl_events"] = result.events
        figures["export_jsonl_s"] = round(seconds, 2)
        figures["export_jsonl_events_per_s"] = round(result.events / seconds)
        figures["export_jsonl_mb"] = round(out.stat().st_size / 2**20, 1)

    # Importing vCards into the full vault (preview plan + one-transaction apply).
    emails = [r[0] for r in conn.execute("SELECT value FROM contact_points WHERE kind = 'email' LIMIT 20000")]
    cards = dataset.vcards(random.Random(SEED + 1), scale["vcards"], emails)
    plan_s, plan = timed(lambda: plan_import(vault, cards, "contacts.vcf"))
    apply_s, _ = timed(lambda: apply_plan(vault, plan))
    counts = plan.counts()
    figures["import_vcards"] = scale["vcards"]
    figures["import_vcards_plan_s"] = round(plan_s, 2)
    figures["import_vcards_apply_s"] = round(apply_s, 2)
    figures["import_vcards_s"] = round(plan_s + apply_s, 2)
    if scale["vcards"] == 10_000:  # the target is for 10,000 cards into the full vault
        figures["import_10k_vcards_s"] = figures["import_vcards_s"]
    figures["import_vcards_outcomes"] = counts

    raw.close()
    vault.close()

    # The CLI as people run it, each command in a fresh interpreter (start-up and KDF included).
    cli_config = folder / "cli-config"
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        copy = Path(tmp) / "cli.cvault"
        shutil.copyfile(folder / "bench.cvault", copy)
        cards_file = Path(tmp) / "contacts.vcf"
        cards_file.write_bytes(cards)
        seconds, _ = cli(["import", str(cards_file)], copy, cli_config)
        figures["import_vcards_cli_s"] = round(seconds, 2)
        if scale["vcards"] == 10_000:
            figures["import_10k_vcards_cli_s"] = figures["import_vcards_cli_s"]
    searches = [cli(["search", word], path, cli_config)[0] for word in first_time_words(SEED + 2)[:5]]
    figures["cli_search_s"] = round(statistics.median(searches), 3)
    figures["cli_search_runs_s"] = [round(t, 3) for t in searches]
    figures["quick_check_s"] = round(cli(["check", "--quick"], path, cli_config)[0], 2)
    figures["check_s"] = round(cli(["check"], path, cli_config)[0], 2)

    figures["measure_peak_rss_mb"] = round(peak_rss_mb(), 1)
    figures["sqlcipher_version"] = sqlcipher_version(key, path)
    return figures


def sqlcipher_version(key: bytes, path: Path) -> str:
    conn = _raw_connection(path, key)
    try:
        return conn.execute("PRAGMA cipher_version").fetchone()[0]
    finally:
        conn.close()


# --- orchestration ----------------------------------------------------------------------------


def verdicts(figures: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (op, target) in TARGETS.items():
        value = figures.get(name)
        if value is None:
            full_only = name in ("import_10k_vcards_s", "import_10k_vcards_cli_s")
            note = "measured at full scale only" if full_only else "not measured"
            out[name] = {"target": f"{op} {target:g}", "measured": None, "pass": None, "note": note}
            continue
        ok = value <= target if op == "<=" else value >= target
        out[name] = {"target": f"{op} {target:g}", "measured": value, "pass": ok}
    for name in REPORTED:
        out[name] = {"target": None, "measured": figures.get(name), "pass": None, "note": "reported, no target"}
    return out


def machine() -> dict[str, Any]:
    import sqlcipher3

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlcipher3.sqlite_version,
            "sqlcipher3_module": getattr(sqlcipher3, "version", "")}


def child_json(command: list[str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    sys.stderr.write(proc.stderr)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"}
    return json.loads(lines[-1])


def upgrade_schema(path: Path) -> None:
    """A vault built by an older version is upgraded here, untimed, so that no measured unlock
    includes a schema migration (opening a current vault changes nothing but its unlock event)."""
    from vault.config import AppConfig
    from vault.store import Vault

    with Vault.open(path, PASSPHRASE, config=AppConfig(path.parent / "config"), backup_before_migrate=False):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="1/50 scale for a quick run")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out", help="work folder (git-ignored)")
    parser.add_argument("--rebuild", action="store_true", help="build the vault even if a finished one exists")
    parser.add_argument("--no-gui", action="store_true", help="skip the GUI stage")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    name = "small" if args.small else "full"
    scale = SCALES[name]
    load_at_start = [round(x, 1) for x in os.getloadavg()]  # other work on the machine skews every figure
    folder = (args.out / name).absolute()

    if args.measure:
        print(json.dumps(measure(folder, scale)))
        return 0

    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else None
    if args.rebuild or not manifest or manifest.get("scale") != scale or manifest.get("seed") != SEED \
            or not (folder / "bench.cvault").exists():
        manifest = build(folder, scale)
        manifest["built_now"] = True
    else:
        log(f"reusing the vault built earlier in {folder}")
        manifest["built_now"] = False
        upgrade_schema(folder / "bench.cvault")
    build_peak = peak_rss_mb()

    # Byte-compile the app as an installed copy is: with PYTHONDONTWRITEBYTECODE set, every fresh
    # interpreter (the CLI commands, the launch) would compile it again, 0.1-0.25 s each time.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "vault", "ui"], cwd=REPO, check=False)
    log("measuring (child process)")
    figures = child_json([sys.executable, __file__, "--measure", "--out", str(args.out)]
                         + (["--small"] if args.small else []), timeout=3600)
    gui: dict[str, Any] = {}
    if not args.no_gui:
        log("GUI at scale (child process)")
        gui = child_json([sys.executable, str(Path(__file__).with_name("gui_at_scale.py")),
                          "--vault", str(folder / "bench.cvault"), "--passphrase", PASSPHRASE], timeout=1800)
        for key in ("launch_to_unlock_page_s", "gui_rss_mb", "gui_search_first_rows_p95_ms",
                    "gui_search_first_rows_vs_raw", "gui_search_first_rows_cpu_p95_ms", "refresh_after_edit_ms",
                    "refresh_after_edit_cpu_ms"):
            if key in gui:
                figures[key] = gui[key]
    log("verify.html on a 20 MB package in headless Chromium (child process)")
    page = child_json([sys.executable, str(Path(__file__).with_name("verify_page_at_size.py"))], timeout=600)
    figures.update({k: v for k, v in page.items() if k.startswith("verify_page_")})
    for name in ("import_10k_vcards_s", "import_10k_vcards_cli_s"):
        figures.setdefault(name, None)  # 10,000 cards into the full vault: full scale only
    log("sharing a 3-page resume with redaction and with conversion (child process)")
    figures.update(child_json([sys.executable, str(Path(__file__).with_name("share_redaction.py"))], timeout=600))
    report = {
        "benchmark": "contact-vault agency scale",
        "scale": name,
        "machine": machine() | {"sqlcipher": figures.get("sqlcipher_version", ""),
                                "load_average_at_start": load_at_start,
                                "load_average_at_end": [round(x, 1) for x in os.getloadavg()]},
        "dataset": {"description": DATASET, **scale, "vault_file_mb": manifest.get("file_mb"),
                    "built_in_this_run": manifest["built_now"]},
        "bulk_create": manifest["build"],
        "figures": {k: v for k, v in figures.items()
                    if k not in ("search_per_shape", "sqlcipher_version", "search_in_views")},
        "raw_baseline": {
            "search_p50_ms": figures.get("search_raw_p50_ms"), "search_p95_ms": figures.get("search_raw_p95_ms"),
            "search_p95_ratio_app_over_raw": figures.get("search_p95_vs_raw"),
            "search_p50_ratio_app_over_raw": figures.get("search_p50_vs_raw"),
            "first_page_p50_ms": figures.get("first_page_raw_p50_ms"),
            "first_page_ratio_app_over_raw": figures.get("first_page_vs_raw"),
            "search_in_views_worst_ratio_app_over_raw": figures.get("search_in_views_vs_raw"),
            "search_in_views_raw_p95_ms": {k: v["raw_p95_ms"] for k, v in (figures.get("search_in_views") or {}).items()},
            "gui_search_first_rows_raw_p95_ms": gui.get("gui_search_first_rows_raw_p95_ms"),
            "gui_search_first_rows_ratio_app_over_raw": gui.get("gui_search_first_rows_vs_raw"),
        },
        "search_per_shape": figures.get("search_per_shape"),
        "search_in_views": figures.get("search_in_views"),
        "gui": gui,
        "peak_rss_mb": {"build": round(build_peak, 1), "measure": figures.get("measure_peak_rss_mb"),
                        "gui": gui.get("gui_rss_mb")},
        "targets": verdicts(figures),
    }
    report["all_targets_met"] = all(v["pass"] is not False for v in report["targets"].values())
    text = json.dumps(report, indent=2)
    (folder / "results.json").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
