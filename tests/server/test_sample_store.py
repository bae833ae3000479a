"""The sample store's temporary files: a killed writer's ``.partial`` file is removed, a live one is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from braindock.server.storage.samples import SampleStore, _exclusive


def test_abandoned_partial_files_are_removed_but_live_ones_are_kept(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)
    partial = tmp_path / "mb-live.duckdb.partial"
    partial.write_bytes(b"half a file")
    (tmp_path / "mb-live.duckdb.partial.wal").write_bytes(b"log")
    lock = tmp_path / "mb-live.duckdb.partial.lock"
    with _exclusive(lock):  # a writer (here: this test) is still working on it
        assert store.remove_abandoned() == []
        assert partial.read_bytes() == b"half a file"
    assert store.remove_abandoned() == [partial]  # the writer is gone
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_a_write_that_fails_leaves_nothing_and_the_next_one_succeeds(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)

    def broken(connection) -> None:
        connection.execute("CREATE TABLE samples AS SELECT range AS _row FROM range(10)")
        raise RuntimeError("the source file ended early")

    with pytest.raises(RuntimeError, match="ended early"):
        store.write("mb-a.duckdb", broken)
    assert sorted(path.name for path in tmp_path.iterdir()) == []
    final = store.write(
        "mb-a.duckdb", lambda c: c.execute("CREATE TABLE samples AS SELECT range AS _row FROM range(7)")
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mb-a.duckdb"]
    cursor = store.cursor(final.name)
    assert cursor.execute("SELECT count(*) FROM samples").fetchone()[0] == 7
    cursor.close()
    store.close()
