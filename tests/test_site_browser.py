"""The documentation site in a real browser: built, served on 127.0.0.1, loaded in Chromium.

Chromium is driven through chromedriver's WebDriver protocol (plain HTTP and JSON, so no
client library is needed).  ``.ci/run`` installs Debian's ``chromium`` and
``chromium-driver``; where they cannot be installed the tests skip and say why.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "",
    "getting-started/",
    "concepts/intervals/",
    "concepts/catchup/",
    "concepts/backfill/",
    "concepts/dst/",
    "concepts/host/",
    "concepts/rerunning/",
    "howto/cli/",
    "reference/api/",
    "reference/cli/",
    "benchmarks/",
]
CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebDriver:
    """The few WebDriver commands the tests need."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"null").get("value")
        except urllib.error.HTTPError as err:
            raise AssertionError(f"WebDriver {method} {path}: {err.read()[:500]!r}") from None

    def start(self, binary: str, profile: str) -> None:
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": binary,
                                   "args": [*CHROME_FLAGS, f"--user-data-dir={profile}"]},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    def get(self, url: str) -> None:
        self.call("POST", self.s("/url"), {"url": url})

    def script(self, source: str, *args: Any) -> Any:
        return self.call("POST", self.s("/execute/sync"), {"script": source, "args": list(args)})

    def logs(self) -> list[dict[str, Any]]:
        return self.call("POST", self.s("/se/log"), {"type": "browser"}) or []

    def quit(self) -> None:
        if self.session:
            self.call("DELETE", self.s(""))


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[test]')")
    out = Path(tempfile.mkdtemp(prefix="timetable-site-"))
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("Chromium and chromedriver are not installed here (Debian: apt-get install "
                    "chromium chromium-driver; .ci/run installs them)")
    port = _free_port()
    proc = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    profile = tempfile.mkdtemp(prefix="timetable-chromium-")
    wd = WebDriver(f"http://127.0.0.1:{port}")
    try:
        for _ in range(100):
            try:
                wd.call("GET", "/status")
                break
            except (OSError, AssertionError):
                time.sleep(0.1)
        wd.start(chromium, profile)
        yield wd
    finally:
        try:
            wd.quit()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(profile, ignore_errors=True)


SIZES = """
const out = [];
for (const el of document.querySelectorAll('.md-content img, .md-content svg')) {
  if (el.closest('details:not([open])') || el.closest('.md-clipboard')) continue;
  if (el.parentElement && el.parentElement.closest('svg')) continue;
  const r = el.getBoundingClientRect();
  out.push([el.tagName, el.getAttribute('aria-label') || el.getAttribute('src') || '',
            r.width, r.height]);
}
return out;
"""


def _wait(wd: WebDriver, script: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = wd.script(script)
        if value:
            return value
        time.sleep(0.25)
    return value


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_console_errors_and_every_picture_has_a_size(
    page: str, site: str, browser: WebDriver
) -> None:
    browser.logs()  # drop earlier pages' messages
    browser.get(site + page)
    assert _wait(browser, "return document.readyState === 'complete'")
    title = browser.script("return document.title")
    assert "timetable" in title.lower()
    sizes = browser.script(SIZES)
    if page in ("", "concepts/catchup/", "concepts/dst/", "benchmarks/"):
        assert any(tag.lower() == "svg" for tag, *_ in sizes), f"{page}: no picture"
    for tag, label, width, height in sizes:
        assert min(width, height) > 0, f"{page}: {tag} {label!r} is {width}x{height}"
    errors = [e for e in browser.logs() if e.get("level") == "SEVERE"]
    assert errors == [], f"{page}: console errors {errors}"


def test_concept_pages_show_pictures(site: str, browser: WebDriver) -> None:
    for page in ("", "concepts/catchup/", "concepts/dst/"):
        browser.get(site + page)
        count = browser.script("return document.querySelectorAll('figure svg').length")
        assert count >= 1, page


SEARCH = """
const input = document.querySelector('.md-search__input');
input.focus();
input.value = arguments[0];
input.dispatchEvent(new Event('input', {bubbles: true}));
input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'e'}));
"""
RESULTS = "return document.querySelectorAll('.md-search-result__item').length"


@pytest.mark.parametrize("term", ["backfill", "infer_manual_data_interval"])
def test_search_finds(term: str, site: str, browser: WebDriver) -> None:
    browser.get(site)
    assert _wait(browser, "return document.readyState === 'complete'")
    # the search worker loads its index after the page
    found = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not found:
        browser.script(SEARCH, term)
        found = _wait(browser, RESULTS, timeout=3) or 0
    assert found > 0, f"no search results for {term!r}"
