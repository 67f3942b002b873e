"""FTS5 search: words, prefixes, phrases, boolean operators, ranking, and hostile input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.people import NewContactPoint, PersonFields
from vault.search import to_fts_query


def _people(vault):
    add = vault.people.add
    robert = add(PersonFields(full_name="Robert Smith", organisation="Acme", headline="Python engineer"),
                 [NewContactPoint("email", "rob.smith@acme.example")], ["python"])
    roberta = add(PersonFields(full_name="Roberta Jones", notes="met at PyCon; data engineer"), tags=["data"])
    carol = add(PersonFields(full_name="Carol Robinson", organisation="Initech", title="Data Scientist"),
                [NewContactPoint("phone", "+1 415 555 0199")])
    return robert, roberta, carol


def ids(vault, query):
    return set(vault.search.query(query).ids)


def test_words_prefixes_phrases_and_booleans(vault):
    robert, roberta, carol = _people(vault)
    assert ids(vault, "robert") == {robert.id}
    assert ids(vault, "rob*") == {robert.id, roberta.id, carol.id}
    assert ids(vault, '"data engineer"') == {roberta.id}
    assert ids(vault, "data AND engineer") == {roberta.id}
    assert ids(vault, "data OR python") == {robert.id, roberta.id, carol.id}
    assert ids(vault, "data NOT scientist") == {roberta.id}
    assert ids(vault, "data AND NOT scientist") == {roberta.id}
    assert ids(vault, "rob.smith@acme.example") == {robert.id}
    assert ids(vault, "+1 415 555 0199") == {carol.id}
    assert ids(vault, "initech") == {carol.id}
    assert ids(vault, "Robinson") == {carol.id}


def test_names_rank_above_notes(vault):
    add = vault.people.add
    in_notes = add(PersonFields(full_name="Alice Example", notes="knows Zebedee well"))
    in_name = add(PersonFields(full_name="Zebedee Example"))
    assert vault.search.query("zebedee").ids == [in_name.id, in_notes.id]


def test_index_follows_changes_in_the_same_transaction(vault):
    person = vault.people.add(PersonFields(full_name="Old Name"))
    vault.people.update(person.uuid, PersonFields(full_name="New Name"))
    assert ids(vault, "old") == set()
    assert ids(vault, "new") == {person.id}
    vault.people.delete(person.uuid)
    assert ids(vault, "new") == set()
    assert vault.conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 0


def test_queries_use_limit_and_count(vault):
    with vault.transaction():
        for index in range(25):
            vault.people.add(PersonFields(full_name=f"Common Surname {index}"))
    result = vault.search.query("common", limit=10)
    assert len(result.ids) == 10 and result.total == 25
    assert vault.search.query('"common surname" NOT 3', limit=10, kind="candidate").total == 24
    assert vault.search.query("common", limit=10, offset=20).total == 25


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_typed_text_is_a_valid_query(vault, text):
    vault.search.query(text)  # never raises for whatever a person types


def test_translation_examples():
    assert to_fts_query("rob*") == '"rob"*'
    assert to_fts_query('"data engineer"') == '"data engineer"'
    assert to_fts_query("a AND NOT b") == '"a" NOT "b"'
    assert to_fts_query("OR AND") == ""
    assert to_fts_query("name:foo") == '"name foo"'
    assert to_fts_query("((x") == '( ( "x" ) )'
