"""Every table model of the desktop app passes Qt's model tester, with real vault data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import corpus_file
from PySide6.QtCore import Qt

from ui.audit_model import PERSON_COLUMNS, AuditModel
from ui.contact_points_model import ContactPointsModel
from ui.documents_model import DocumentsModel
from ui.people_model import (
    BLOCK_SIZE,
    ID_ROLE,
    MAX_BLOCKS,
    PAGE_SIZE,
    PLACEHOLDER,
    UUID_ROLE,
    PeopleModel,
    PeopleQuery,
)
from ui.worker import VaultWorker
from vault.audit.scope import ExportScope
from vault.config import AppConfig
from vault.people import NewContactPoint, PersonFields

pytestmark = pytest.mark.gui
WAIT_MS = 20_000
PAGE = 100  # ids per fetchMore in the test (the app pages PAGE_SIZE)
BLOCK = 50  # rows of data per block in the test
PEOPLE = PAGE * 2 + 37


@pytest.fixture
def worker(qtbot, vault_path: Path, template_vault, clock, tmp_path: Path) -> Iterator[VaultWorker]:
    worker = VaultWorker(clock=clock, config=AppConfig(tmp_path / "cfg"))
    with qtbot.waitSignal(worker.opened, timeout=WAIT_MS):
        worker.open(vault_path, raw_key=template_vault[1])
    yield worker
    worker.shutdown()


def run(qtbot, worker: VaultWorker, fn):
    box: dict[str, object] = {}
    worker.call(fn, lambda value: box.setdefault("value", value), lambda error: box.setdefault("error", error), context=None)
    qtbot.waitUntil(lambda: box != {}, timeout=WAIT_MS)
    assert "error" not in box, box.get("error")
    return box["value"]


def shown(qtbot, model: PeopleModel, row: int) -> str:
    """What the view shows in ``row``'s first column once its block of data has arrived."""
    qtbot.waitUntil(lambda: model.data(model.index(row, 0)) != PLACEHOLDER, timeout=WAIT_MS)
    return model.data(model.index(row, 0))


def seed(vault) -> str:
    with vault.transaction():
        for number in range(PEOPLE):
            vault.people.add(
                PersonFields(full_name=f"Person {number:03d} Example", kind="contact" if number % 3 else "candidate",
                             organisation=f"Org {number % 7}"),
                [NewContactPoint("email", f"p{number}@example.org")],
                tags=["rust"] if number % 10 == 0 else [],
            )
    first = vault.people.get(vault.people.list_ids(limit=1)[0])
    vault.people.add_contact_point(first.uuid, NewContactPoint("phone", "+44 20 7946 0958", source="old-document",
                                                                outreach="do-not-contact"))
    vault.documents.add_file(first.uuid, corpus_file("resumes/careerrag__sample-resume.pdf"))
    vault.documents.add_bytes(first.uuid, b"Plain text resume\nRust and Python\n", "cv.txt")
    return first.uuid


def test_people_model_fetches_lazily_and_passes_the_model_tester(qtbot, qtmodeltester, worker):
    run(qtbot, worker, seed)
    # Small pages and blocks so a few hundred people exercise id paging, row blocks and eviction.
    model = PeopleModel(worker, page_size=PAGE, block_size=BLOCK, max_blocks=2)
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_query(PeopleQuery())
    assert model.total == PEOPLE
    assert model.rowCount() == PAGE  # only the first page of ids is held
    assert model.rows_fetched == BLOCK  # ...and only the first block of row data
    assert model.data(model.index(0, 0)).startswith("Person ")
    assert model.data(model.index(BLOCK, 0)) == PLACEHOLDER  # not fetched until asked for
    assert model.data(model.index(BLOCK, 0), UUID_ROLE) is None
    assert isinstance(model.data(model.index(BLOCK, 0), ID_ROLE), int)  # ids are always there

    def fetch_all() -> bool:
        # The model tester may already have asked for the next page; a second ask is refused.
        if model.canFetchMore():
            model.fetchMore()
            assert not model.canFetchMore()  # one request at a time
        return model.rowCount() == PEOPLE

    qtbot.waitUntil(fetch_all, timeout=WAIT_MS)
    assert not model.canFetchMore()
    names = [shown(qtbot, model, r) for r in range(model.rowCount())]
    assert names == sorted(names, key=lambda n: n.split()[2] + n.split()[1])  # family name first
    assert model.cached_rows <= 2 * BLOCK  # the cache stays bounded (least recently used dropped)
    qtbot.waitUntil(lambda: model.uuid_at(0) is not None, timeout=WAIT_MS)  # fetched again if dropped
    person_uuid = model.uuid_at(0)
    shown(qtbot, model, PEOPLE - 1)
    shown(qtbot, model, BLOCK * 2)
    assert model.cached_rows <= 2 * BLOCK
    assert model.row_of(person_uuid) == 0  # found by its id even when its block was dropped

    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.sort(1, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 1)) == "Org 6"
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_query(PeopleQuery(view="tag", tag="rust"))
    assert model.total == len(range(0, PEOPLE, 10))
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_query(PeopleQuery(search="example.org"))
    # A search ranks one screen first (a block, its rows with it), counts next, ranks more on scroll.
    assert model.total == PEOPLE and model.rowCount() == BLOCK
    assert model.data(model.index(BLOCK - 1, 0)) != PLACEHOLDER
    ranked = run(qtbot, worker, lambda v: v.search.query("example.org", limit=PEOPLE).ids)
    qtbot.waitUntil(fetch_all, timeout=WAIT_MS)
    assert [model.data(model.index(r, 0), ID_ROLE) for r in range(PEOPLE)] == ranked
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_query(PeopleQuery(view="tag", tag="rust", search="example.org"))
    assert model.total == model.rowCount() == len(range(0, PEOPLE, 10))  # the search stays in the view
    qtmodeltester.check(model)
    model.clear()
    assert model.rowCount() == 0 and not model.canFetchMore() and model.cached_rows == 0
    assert model.row_of(person_uuid) == -1


def test_people_model_defaults_page_ids_and_fetch_small_blocks():
    assert PAGE_SIZE >= 1_000 and PAGE_SIZE % BLOCK_SIZE == 0 and BLOCK_SIZE <= 200
    assert MAX_BLOCKS * BLOCK_SIZE <= 10_000  # the row cache stays small however long the list


def test_detail_models_pass_the_model_tester(qtbot, qtmodeltester, worker):
    person_uuid = run(qtbot, worker, seed)
    person = run(qtbot, worker, lambda v: v.people.get(person_uuid))
    points = ContactPointsModel()
    points.set_points(list(person.contact_points))
    qtmodeltester.check(points)
    assert points.rowCount() == 2
    warned = [r for r in range(2) if "do-not-contact" in points.data(points.index(r, 0), Qt.ItemDataRole.ToolTipRole)]
    assert len(warned) == 1

    documents = DocumentsModel()
    documents.set_documents(run(qtbot, worker, lambda v: v.documents.for_person(person_uuid)))
    qtmodeltester.check(documents)
    assert documents.rowCount() == 2

    activity = AuditModel(worker, columns=PERSON_COLUMNS)
    activity.set_scope(ExportScope(person=person_uuid, mentions=False))
    qtbot.waitUntil(lambda: activity.rowCount() > 0 and not activity.loading, timeout=WAIT_MS)
    qtmodeltester.check(activity)
    actions = {activity.event_at(r).action for r in range(activity.rowCount())}
    assert {"person.created", "contact_point.added", "document.added"} <= actions
    for model in (points, documents, activity):
        model.clear()
        assert model.rowCount() == 0


def test_a_reload_keeps_the_rows_until_the_new_ones_replace_them(qtbot, worker):
    """One reset per reload (no empty list painted in between), and a block asked for the old rows
    while the reload is on its way never fills the new ones."""
    run(qtbot, worker, seed)
    names = dict(run(qtbot, worker, lambda v: [(r.id, r.full_name) for r in v.people.rows(v.people.list_ids(limit=PEOPLE))]))
    model = PeopleModel(worker, page_size=PAGE, block_size=BLOCK, max_blocks=4)
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_query(PeopleQuery())
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))
    model.set_query(PeopleQuery(sort="organisation", descending=True))
    assert model.rowCount() == PAGE and model.loading  # the old rows are still shown
    assert model.data(model.index(BLOCK + 1, 0)) == PLACEHOLDER  # asks for a block of the old rows
    qtbot.waitUntil(lambda: not model.loading and not worker.busy, timeout=WAIT_MS)
    assert resets == [0]  # one reset, when the new page arrived
    for row in range(BLOCK, 2 * BLOCK):
        assert shown(qtbot, model, row) == names[model.data(model.index(row, 0), ID_ROLE)]
