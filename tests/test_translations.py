"""The pages' words in English and Russian (issue 26.3): web/static/js/i18n.js holds one table
per language; these tests keep the tables whole and the pages' words in them.

tests/browser/test_i18n.py shows the Russian pages in Chromium; here Node reads the tables and
Python reads the rendered pages and the scripts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT

JS_DIR = ROOT / "web" / "static" / "js"
TEMPLATES = ROOT / "web" / "templates"
PAGES = ("/", "/photo")
# Every file that writes words into a page (the others compute and never touch the DOM's text).
WRITING_SCRIPTS = ("app.js", "photo.js", "ui.js", "pwa.js", "i18n.js")
TRANSLATED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
# Text that reads the same in every language: a model's name, a language's own name, a key on the keyboard.
SAME_IN_EVERY_LANGUAGE = {"CNN", "MLP", "English", "Русский", "C", "E", "Ctrl", "Z"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEY_NAMESPACES = "nav|language|update|load|bytes|reading|backend|status|error|draw|photo"
KEY_LITERAL = re.compile(rf"'((?:{KEY_NAMESPACES})\.\w+)'")


# (remembered, navigator.languages) -> the language the page speaks
CHOICES = [
    ((None, ["ru-RU"]), "ru"),
    ((None, ["ru"]), "ru"),
    ((None, ["en-US", "en"]), "en"),
    ((None, ["de-DE", "ru", "en"]), "ru"),  # the first language that has a table
    ((None, ["en-GB", "ru-RU"]), "en"),
    ((None, ["fr-FR"]), "en"),
    ((None, []), "en"),
    (("en", ["ru-RU"]), "en"),  # the person's own pick wins over the browser's
    (("ru", ["en-US"]), "ru"),
    (("xx", ["ru-RU"]), "ru"),  # a pick no table has any more: the browser's again
]


def run_i18n(expression: str):
    """`expression` evaluated with i18n.js imported as `m`, in Node, as JSON."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found: scripts/setup.sh installs it")
    script = f"import(process.argv[1]).then((m) => process.stdout.write(JSON.stringify({expression})))"
    done = subprocess.run(
        [node, "-e", script, (JS_DIR / "i18n.js").as_uri()], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


@cache
def tables() -> dict[str, dict[str, str]]:
    """{language: {key: message}}: i18n.js's MESSAGES."""
    return run_i18n("m.MESSAGES")


class MarkedText(HTMLParser):
    """A rendered page's words: each text with the data-i18n key of the element that holds it
    (None where there is none), and each translatable attribute with the key data-i18n-attr gives it."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "embed", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.texts: list[tuple[str, str | None, str]] = []  # (tag, key, text)
        self.attributes: list[tuple[str, str, str | None]] = []  # (attribute, value, key)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        keyed = dict(pair.split(":") for pair in (attributes.get("data-i18n-attr") or "").split())
        for name in TRANSLATED_ATTRIBUTES:
            if name in attributes:
                self.attributes.append((name, attributes[name], keyed.get(name)))
        if tag not in self.VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and self.stack and self.stack[-1][0] not in ("script", "style"):
            tag, attributes = self.stack[-1]
            self.texts.append((tag, attributes.get("data-i18n"), text))


@pytest.fixture(scope="module")
def pages() -> dict[str, MarkedText]:
    from server import create_app

    client = create_app({"TESTING": True}).test_client()
    parsed = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200
        parsed[path] = MarkedText()
        parsed[path].feed(response.get_data(as_text=True))
    return parsed


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, ru = tables()["en"], tables()["ru"]
    assert set(tables()) == {"en", "ru"}
    assert sorted(en) == sorted(ru)
    for key in en:
        assert set(PLACEHOLDER.findall(en[key])) == set(PLACEHOLDER.findall(ru[key])), key


def test_the_language_is_the_persons_pick_else_the_first_of_the_browsers_with_a_table() -> None:
    cases = json.dumps([list(case) for case, _ in CHOICES])
    chosen = run_i18n(f"{cases}.map(([remembered, preferred]) => m.chooseLanguage(remembered, preferred))")
    assert chosen == [language for _, language in CHOICES]


def test_messages_fill_their_parameters_and_nested_messages_in_their_own_language() -> None:
    """The download bar's sentence holds two sizes, each a message with its unit, in the sentence's language."""
    bytes_kb = {"key": "bytes.kb", "params": {"n": "12"}}
    bytes_mb = {"key": "bytes.mb", "params": {"n": "1.8"}}
    amount = {"key": "load.amount", "params": {"loaded": bytes_kb, "total": bytes_mb}}
    params = json.dumps({"amount": amount, "percent": 3})
    assert run_i18n(f"m.t('load.downloading', {params})") == "Downloading the models: 12 KB of 1.8 MB (3%)"
    # Node has no page, so the module speaks English; the Russian table holds the same sentence.
    assert tables()["ru"]["load.downloading"] == "Загрузка моделей: {amount} ({percent}%)"


def test_every_russian_message_is_in_russian() -> None:
    """No English left in the Russian table: each message with words has Cyrillic in it."""
    for key, message in tables()["ru"].items():
        words = re.sub(r"[\W\d_]+", " ", PLACEHOLDER.sub("", message)).strip()
        assert not words or re.search("[а-яё]", message, re.IGNORECASE), (key, message)


def test_every_word_on_the_pages_is_marked_with_a_key_in_the_tables(pages: dict[str, MarkedText]) -> None:
    en = tables()["en"]
    for path, page in pages.items():
        for tag, key, text in page.texts:
            if key is None:  # punctuation between marked words, or a name that is the same in every language
                assert not re.search(r"\w", text) or text in SAME_IN_EVERY_LANGUAGE, (path, tag, text)
            else:  # the English in the template is the table's, word for word
                assert key in en, (path, key)
                assert text == " ".join(en[key].split()), (path, key, text)
        for attribute, value, key in page.attributes:
            assert key in en, (path, attribute, value)
            assert value == en[key], (path, attribute, value, key)


def test_every_key_in_the_templates_and_scripts_is_in_the_tables() -> None:
    """Keys the rendered pages may not show (the missing-TF.js alert, a page block) and those the scripts use."""
    en = tables()["en"]
    used = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        used |= set(re.findall(r'data-i18n="([^"{]+)"', source))
        used |= {
            pair.split(":")[1] for attr in re.findall(r'data-i18n-attr="([^"{]+)"', source) for pair in attr.split()
        }
        used |= set(re.findall(r"{% block (?:title|description)_key %}(\S+){% endblock %}", source))
    for name in WRITING_SCRIPTS:
        source = (JS_DIR / name).read_text()
        used |= set(KEY_LITERAL.findall(source))
        # A sentence written straight into a status or an error would not follow the language.
        assert not re.search(r"\b(showStatus|showError)\(\s*`", source), name
    used |= set(KEY_LITERAL.findall((JS_DIR / "model.js").read_text()))  # verdictReason's messages
    assert used - set(en) == set()
    assert {"draw.readDigit", "photo.ready", "load.done", "backend.faster", "error.notImage"} <= used


def test_the_service_worker_caches_both_languages() -> None:
    """Both tables are in i18n.js, which the worker's file list holds like every script."""
    from server import create_app

    client = create_app({"TESTING": True}).test_client()
    assert "/static/js/i18n.js" in client.get("/offline.json").get_json()["files"]
