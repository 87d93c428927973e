"""The bibliography parses, has no duplicate keys, and holds every key the chapters cite (the
merges of several branches appending to it broke it once)."""

from __future__ import annotations

import re
from collections import Counter

import pybtex.database
from conftest import ROOT

BIB = ROOT / "book" / "references.bib"


def test_the_bibliography_parses_without_duplicate_keys():
    keys = re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), re.M)
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    entries = pybtex.database.parse_file(str(BIB)).entries
    assert sorted(entries) == sorted(keys)


def test_every_cited_key_is_in_the_bibliography():
    entries = set(pybtex.database.parse_file(str(BIB)).entries)
    cited = set()
    for page in (ROOT / "book").glob("*.md"):
        for group in re.findall(r"\{cite(?::[tp])?\}`([^`]+)`", page.read_text(encoding="utf-8")):
            cited |= {key.strip() for key in group.split(",")}
    assert cited and cited <= entries, sorted(cited - entries)
