"""The drafts database: round trip, optimistic locking, concurrent writers, a database that cannot be opened."""

from __future__ import annotations

import threading

import pytest
from serve_support import EXAMPLE

from analyzer.errors import InputError
from analyzer.pipeline import analyze
from analyzer.serve.store import DraftConflict, DraftNotFound, DraftStore


@pytest.fixture(scope="module")
def analysis():
    return analyze(str(EXAMPLE), provider="heuristic")


def test_round_trip_keeps_the_analysis_unchanged(tmp_path, analysis):
    store = DraftStore(tmp_path / "d.sqlite3")
    info = store.create(analysis)
    assert (info.title, info.version, info.score, info.band) == ("Tidewater", 1, analysis.aivss.score, analysis.aivss.band.value)
    assert store.get(info.id).analysis == analysis
    assert DraftStore(tmp_path / "d.sqlite3").get(info.id).analysis == analysis  # another connection, same file


def test_an_update_based_on_an_old_version_is_refused(tmp_path, analysis):
    store = DraftStore(tmp_path / "d.sqlite3")
    info = store.create(analysis)
    assert store.update(info.id, analysis, version=1).version == 2
    with pytest.raises(DraftConflict, match="was changed elsewhere"):
        store.update(info.id, analysis, version=1)
    with pytest.raises(DraftNotFound):
        store.update("000000000000", analysis, version=1)


def test_concurrent_writers_lose_no_update(tmp_path, analysis):
    path = tmp_path / "d.sqlite3"
    info = DraftStore(path).create(analysis)
    stores = [DraftStore(path) for _ in range(4)]  # separate connections, as separate processes would have
    wins: list[int] = []
    conflicts: list[int] = []

    def writer(store: DraftStore) -> None:
        for _ in range(10):
            while True:
                current = store.info(info.id).version
                try:
                    store.update(info.id, analysis, version=current)
                    wins.append(current)
                    break
                except DraftConflict:
                    conflicts.append(current)

    threads = [threading.Thread(target=writer, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 40 and len(set(wins)) == 40  # every version was won by exactly one writer
    assert DraftStore(path).info(info.id).version == 41


def test_duplicate_and_list_order(tmp_path, analysis):
    store = DraftStore(tmp_path / "d.sqlite3")
    first = store.create(analysis, title="first")
    copy = store.duplicate(first.id)
    assert copy.parent == first.id and copy.title == "first (copy)"
    assert [d.id for d in store.list()] == [copy.id, first.id]


def test_unopenable_database_is_one_clear_error(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(InputError, match="cannot open the drafts database"):
        DraftStore(tmp_path / "dir.sqlite3")
