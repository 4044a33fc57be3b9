"""A folder deleted and made again at the same path is another folder (rehearsal state must not
carry over), even where the file system hands it the same inode number, as ext4 does."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.offline.folderid import birth_time_ns, folder_id, same_folder


def test_a_folder_made_again_is_another_even_with_the_same_inode(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "main.tf").write_text("# one\n")
    before = folder_id(folder)
    (folder / "more.tf").write_text("# files come and go: still the same folder\n")
    assert same_folder(before, folder_id(folder))
    shutil.rmtree(folder)
    folder.mkdir()
    after = folder_id(folder)
    assert birth_time_ns(folder) is not None, "statx gives no birth time here: identity is the inode only"
    assert not same_folder(before, after), (before, after)


def test_records_of_an_older_aisec_are_compared_on_device_and_inode() -> None:
    assert same_folder([1, 2], [1, 2, 123456789])
    assert not same_folder([1, 3], [1, 2, 123456789])
    assert same_folder(None, [1, 2, 3])
    assert not same_folder([1, 2, 5], [1, 2, 6])
