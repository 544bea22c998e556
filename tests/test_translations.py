"""The English interface is complete: every French string of the code has its translation.

The catalogue is extracted afresh from a copy of the sources (`makemessages`, which needs
gettext's xgettext) and compared with the committed one, so a string added without its
English translation fails here instead of showing up in French on an English page.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale/en/LC_MESSAGES/django.po"
IGNORED = [
    "--ignore=.venv",
    "--ignore=tests",
    "--ignore=var",
    "--ignore=bench",
    "--ignore=scripts",
    "--ignore=staticfiles",
]


def parse_po(path: Path) -> dict[str, tuple[list[str], bool]]:
    """msgid → (its msgstr forms, fuzzy?) for every entry of a .po file (header excluded)."""
    entries, current, field, fuzzy = {}, {}, None, False

    def flush():
        nonlocal current, fuzzy
        if current.get("msgid"):
            forms = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries[current["msgid"]] = (forms, fuzzy)
        current, fuzzy = {}, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            if (
                field == "msgid"
                and "msgid" in current
                and any(k.startswith("msgstr") for k in current)
            ):
                flush()
            current[field] = ast.literal_eval(value)
    flush()
    return entries


def test_every_english_entry_is_translated_and_none_is_fuzzy():
    entries = parse_po(CATALOGUE)
    assert len(entries) > 500
    untranslated = [m for m, (forms, _f) in entries.items() if not all(forms)]
    fuzzy = [m for m, (_forms, f) in entries.items() if f]
    assert not untranslated, f"No English for: {untranslated[:20]}"
    assert not fuzzy, f"Fuzzy (to review) in English: {fuzzy[:20]}"


def test_the_catalogue_holds_every_string_of_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is missing: apt-get install gettext (xgettext, msgfmt)")
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    copy = tmp_path / "src"
    for name in files:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", *IGNORED],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "referent_portal.settings", "PATH": "/usr/bin:/bin"},
    )
    extracted = parse_po(copy / "locale/en/LC_MESSAGES/django.po")
    committed = parse_po(CATALOGUE)
    missing = sorted(set(extracted) - set(committed))
    assert not missing, (
        f"{len(missing)} strings are not in locale/en (run make messages): {missing[:15]}"
    )


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.fail("gettext is missing: apt-get install gettext (xgettext, msgfmt)")
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE)], check=True)
    assert compiled.read_bytes() == CATALOGUE.with_suffix(".mo").read_bytes(), (
        "locale/en/LC_MESSAGES/django.mo is stale: run make messages"
    )
