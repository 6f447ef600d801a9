"""End to end in a real headless browser (Debian's chromium + chromedriver, driven by Selenium): analyse a
listing on the start page, edit a factor and see the score change, find a quote in the listing, export.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from serve_support import SMALL_MODEL, live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)",
)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_analyse_edit_rescore_highlight_and_export(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with live_server(tmp_path) as srv:
        browser.get(srv.url + "/")
        text = browser.find_element(By.ID, "text")
        browser.execute_script("arguments[0].value = arguments[1]", text, SMALL_MODEL)
        browser.find_element(By.ID, "filename").clear()
        browser.find_element(By.ID, "filename").send_keys("lark.md")
        browser.find_element(By.ID, "analyze").click()
        # Read through the DOM in one script call: the report is swapped after each edit, so an element
        # found a moment before may already be gone (a stale reference).
        def score() -> str | None:
            return browser.execute_script("const s = document.querySelector('.badge .score'); return s && s.textContent;")

        wait_for(lambda: "/drafts/" in browser.current_url and score(), "the draft page")
        before = score()
        assert before not in ("", "?")

        # Edit a factor, with a note: the page re-scores at once and marks the value as the analyst's.
        browser.find_element(By.ID, "edit-note").send_keys("our deployment lets it act alone")
        Select(browser.find_element(By.CSS_SELECTOR, 'select[data-edit="factor"][data-key="autonomy_of_action"]')).select_by_value("0.9")
        wait_for(lambda: "saved" in browser.find_element(By.ID, "edit-status").text, "the edit to be saved")
        assert score() != before
        row = browser.find_element(By.CSS_SELECTOR, 'tr[data-factor="autonomy_of_action"]')
        assert "set by analyst" in row.text and "our deployment lets it act alone" in row.text

        # A quote of the report, clicked, is highlighted in the listing text.
        quote = browser.find_element(By.CSS_SELECTOR, "button.quote")
        quoted = quote.text.strip("“”")
        quote.click()
        mark = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#listing mark"), "the highlight")[0]
        assert mark.text.split()[:3] == quoted.split()[:3]

        # Export Markdown: the file has the edited score.
        after = score()
        browser.find_element(By.CSS_SELECTOR, 'a[data-format="md"]').click()
        done = lambda: [p for p in Path(browser.downloads).glob("*.md")]  # noqa: E731
        exported = wait_for(done, "the Markdown download")[0].read_text("utf-8")
        assert f"AIVSS {after}" in exported or f"**{after}**" in exported or after in exported

        # The reloaded draft keeps the edit (it was saved), and the page broke no CSP rule.
        browser.refresh()
        wait_for(score, "the reloaded draft")
        assert score() == after
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
