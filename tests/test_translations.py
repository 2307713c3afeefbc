"""The Chinese catalogue is complete: the committed template matches the code, and every message is
translated (no fuzzy entries, the same placeholders), and the compiled catalogue is the current one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
PO = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(TRANSLATIONS / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs=.* node_modules", "--no-location", "--omit-header", "-o", str(out), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as handle:
        return _ids(read_po(handle))


def test_the_committed_template_is_what_the_code_says(extracted):
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        committed = _ids(read_po(handle))
    new, gone = sorted(map(str, extracted - committed)), sorted(map(str, committed - extracted))
    assert not new and not gone, (
        f"messages.pot is out of date: {len(new)} new, {len(gone)} gone (run `make translations`).\n"
        f"new: {new[:10]}\ngone: {gone[:10]}")


def test_every_message_is_translated_into_chinese_with_the_same_placeholders(extracted):
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    assert _ids(catalog) >= extracted, "the zh_Hans catalogue misses messages (run `make translations`)"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        expected = {tuple(sorted(PLACEHOLDER.findall(i))) for i in ids}
        for string in strings:
            if tuple(sorted(PLACEHOLDER.findall(string))) not in expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems[:20])


def test_the_compiled_catalogue_is_the_current_one():
    def plain(catalog) -> dict:
        return {tuple(m.id) if isinstance(m.id, list | tuple) else m.id:
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string for m in catalog if m.id}

    with PO.open("rb") as handle:
        source = plain(read_po(handle))
    with MO.open("rb") as handle:
        compiled = plain(read_mo(handle))
    assert compiled == source, "messages.mo is stale: run `make translations`"
