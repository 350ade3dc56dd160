"""Both pages in Russian (issue 26.3) in real headless Chromium: a browser that prefers Russian
gets Russian, the language switch goes both ways and is remembered, and axe-core finds nothing
wrong in Russian. tests/test_translations.py checks the tables themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.chromium import DESKTOP
from tests.browser.conftest import require_browser_file
from tests.browser.pages import DrawingPage, known_device
from tests.browser.test_mobile import OVERFLOW_JS
from tests.browser.test_page import ONE, on_canvas
from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # a devDependency: npm ci (scripts/setup.sh) installs it
# Latin words a Russian page may still show: names of programs, models, backends and keys, and the
# switch's own "English" (each language is named in itself).
LATIN_ALLOWED = {"TF", "js", "CNN", "MLP", "wasm", "webgl", "cpu", "Ctrl", "English", "Language"}


@cache
def axe_source() -> str:
    require_browser_file(AXE, "run `npm ci` (axe-core is in package.json's devDependencies)")
    return AXE.read_text()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's default rules (WCAG A and AA, and best practices) on the page as it is now.
    Evaluated through DevTools, which the page's CSP does not govern: the page itself runs no eval."""
    page.evaluate(axe_source())
    return page.evaluate(
        """() => axe.run(document).then((result) => result.violations.map((v) => ({
             id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))"""
    )


def latin_words(page: Page) -> set[str]:
    """Words in Latin letters in what the page shows (innerText: hidden elements left out)."""
    return set(re.findall(r"[A-Za-z]{2,}", page.evaluate("document.body.innerText"))) - LATIN_ALLOWED


def fits_320_px(page: Page) -> dict:
    """The page at the narrowest phone width: longer Russian words must not make it scroll sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 568})
    layout = page.evaluate(OVERFLOW_JS)
    page.set_viewport_size(size)
    return layout


def wait_ready(page: Page) -> None:
    # A function, not a bare expression: the page's CSP (no 'unsafe-eval') refuses re-evaluated strings.
    page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=120_000)
    assert page.evaluate("document.body.dataset.ready") == "true"


@pytest.fixture
def russian(browser: Browser) -> Iterator[Page]:
    """A tab in a browser whose person prefers Russian (navigator.languages ["ru-RU"]), on a device
    whose faster backend is known (wasm), so no page stops to time WebGL."""
    context = browser.new_context(**DESKTOP, locale="ru-RU")
    context.add_init_script(known_device("wasm"))
    yield context.new_page()
    context.close()


def test_a_russian_browser_gets_both_pages_in_russian_and_axe_finds_nothing(russian: Page, live_server: str) -> None:
    page = russian
    page.goto(live_server + "photo")
    wait_ready(page)
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.title() == "Распознавание номеров домов"
    assert page.locator("meta[name=description]").get_attribute("content").startswith("Сфотографируйте номер дома")
    assert page.get_by_test_id("find-number").text_content() == "Найти номер"
    assert page.get_by_test_id("status").text_content() == "Готово: сделайте или выберите фото номера дома."
    assert "никуда не отправляется" in page.get_by_test_id("privacy").text_content()
    assert page.get_by_test_id("load-text").text_content() == "Модели загружены: 1.8 МБ"
    assert page.get_by_test_id("language-select").input_value() == "ru"
    assert latin_words(page) == set()
    assert axe_violations(page) == []
    layout = fits_320_px(page)
    assert layout["scrollWidth"] <= layout["width"] and layout["wide"] == [], layout

    drawing = DrawingPage(page).open(live_server)
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.locator("h1").text_content() == "Распознавание цифр"
    assert page.get_by_role("button", name="Очистить").get_attribute("data-testid") == "clear"
    assert page.get_by_label("Поле для рисования", exact=True).get_attribute("data-testid") == "draw-canvas"
    assert page.locator("#status").text_content() == "Нарисуйте цифру в рамке."
    help_line = " ".join(page.locator("#draw-help").text_content().split())
    assert "C очищает, E включает и выключает ластик, Ctrl+Z отменяет последний штрих." in help_line
    drawing.draw(on_canvas(ONE))
    assert drawing.prediction() == "1"
    assert re.fullmatch(r"уверенность \d+\.\d%", drawing.testid("confidence").text_content())
    assert page.locator("#status").text_content().startswith("Распознано: 1.")
    assert latin_words(page) == set()
    assert axe_violations(page) == []
    layout = fits_320_px(page)
    assert layout["scrollWidth"] <= layout["width"] and layout["wide"] == [], layout


def test_the_switch_goes_both_ways_and_is_remembered(russian: Page, live_server: str) -> None:
    page = russian
    drawing = DrawingPage(page).open(live_server)
    switch = page.get_by_role("combobox", name="Язык (Language)")
    drawing.draw(on_canvas(ONE))
    assert page.locator("#status").text_content().startswith("Распознано: 1.")

    switch.select_option("en")  # no reload: what the page wrote is rewritten where it stands
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Digit reader"
    assert page.get_by_test_id("clear").text_content() == "Clear"
    assert page.locator("#status").text_content() == "Read as 1. Clear to draw another digit."
    assert re.fullmatch(r"\d+\.\d% sure", drawing.testid("confidence").text_content())
    assert page.get_by_test_id("backend-why").text_content() == "(the only one that started here)"
    assert drawing.prediction() == "1"  # the drawing and its reading stay

    drawing.open(live_server)  # a reload: English, though the browser prefers Russian
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#status").text_content() == "Draw a digit in the box."
    assert page.get_by_role("combobox", name="Language (Язык)").input_value() == "en"

    page.get_by_role("combobox", name="Language (Язык)").select_option("ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.locator("#status").text_content() == "Нарисуйте цифру в рамке."
    # The drawing page downloads the CNN and the stroke reader (metadata.json aside, fetched apart).
    shipped = sum(
        f.stat().st_size
        for name in ("mnist_cnn", "stroke_reader")
        for f in (ROOT / "web" / "static" / "models" / name).glob("*")
        if f.name != "metadata.json"
    )
    assert page.get_by_test_id("load-text").text_content() == f"Модели загружены: {round(shipped / 1e3)} КБ"
    assert latin_words(page) == set()

    page.get_by_test_id("photo-page-link").click()  # and the other page remembers it too
    wait_ready(page)
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.get_by_test_id("read-number").text_content() == "Прочитать рамку"
    assert page.evaluate("localStorage.getItem('digit-reader:language')") == "ru"


def test_axe_finds_nothing_on_the_english_pages(page: Page, live_server: str) -> None:
    """The same audit in English (the `page` fixture's browser prefers en-US), so a Russian pass
    is not a page that would fail in any language."""
    for path in ("", "photo"):
        page.goto(live_server + path)
        wait_ready(page)
        assert page.evaluate("document.documentElement.lang") == "en"
        assert axe_violations(page) == [], path
