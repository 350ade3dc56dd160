"""The page under its Content-Security-Policy in real Chromium: no violation, and it still reads.

The policy is enforced (Playwright's bypass_csp stays off). Chromium reports each blocked
script, style, fetch or eval twice: a `securitypolicyviolation` event, collected by an init
script, and a console error; both must stay empty on WebGL and on the WASM fallback.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.browser.pages import DrawingPage, known_device
from tests.browser.test_page import ONE, SEVEN, on_canvas, webgl_less  # noqa: F401 (webgl_less: a fixture)

COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${where})`);
});
"""


def watch_csp(page: Page) -> list[str]:
    """Console errors that mention the policy, appended as they come; violations via COLLECT_VIOLATIONS."""
    page.add_init_script(COLLECT_VIOLATIONS)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: messages.append(str(err)) if "Content Security Policy" in str(err) else None)
    return messages


def violations(drawing: DrawingPage, console: list[str]) -> list[str]:
    return drawing.page.evaluate("window.cspViolations") + console


def test_page_is_served_with_the_policy(page: Page, live_server: str) -> None:
    response = page.goto(live_server)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_webgl_reads_a_drawn_digit_without_csp_violations(page: Page, live_server: str) -> None:
    console = watch_csp(page)
    page.add_init_script(known_device("webgl"))  # a device where WebGL was measured faster
    drawing = DrawingPage(page).open(live_server)
    assert drawing.testid("backend").text_content() == "webgl"
    drawing.draw(on_canvas(SEVEN))
    assert drawing.prediction() == "7"
    drawing.testid("model-select").select_option("mnist_mlp")  # a second model: more fetches, same policy
    drawing.wait_ready()
    drawing.testid("predict").click()
    drawing.wait_idle()
    assert drawing.prediction() == "7"
    assert violations(drawing, console) == []


def test_wasm_fallback_works_under_the_policy(webgl_less: Browser, live_server: str) -> None:  # noqa: F811
    page = webgl_less.new_page()
    console = watch_csp(page)
    drawing = DrawingPage(page).open(live_server)
    assert drawing.testid("backend").text_content() == "wasm"  # compiled under 'wasm-unsafe-eval'
    drawing.draw(on_canvas(ONE))
    assert drawing.prediction() == "1"
    assert violations(drawing, console) == []
    page.close()
