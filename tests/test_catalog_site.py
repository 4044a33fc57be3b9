"""aisec catalog site, in a real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from generator.catalog import load_catalog
from tests.conftest import run_aisec

# Chromium's background services try to reach Google; these machines refuse them.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built by the CLI and served on localhost."""
    folder = tmp_path_factory.mktemp("site") / "catalog"
    proc = run_aisec("catalog", "site", "-o", str(folder))
    assert proc.returncode == 0, proc.stderr
    handler = partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed; `.ci/run` installs Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser: Browser, url: str, problems: list[str]) -> Page:
    page = browser.new_page()
    page.on(
        "console",
        lambda m: (
            problems.append(f"{url}: console {m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{url}: page error: {e}"))
    # A request the browser cancels because the page goes on to another one (its favicon, say, when
    # a test clicks a link at once) is not the site's failure; any other failed request is.
    page.on(
        "requestfailed",
        lambda r: (
            None
            if r.failure == "net::ERR_ABORTED" and r.frame.url != url
            else problems.append(f"{url}: request failed: {r.url} ({r.failure})")
        ),
    )
    response = page.goto(url)
    assert response is not None and response.status == 200, (
        f"{url}: HTTP {response.status if response else None}"
    )
    return page


def test_every_page_loads_cleanly_and_every_link_works(site: str, browser: Browser) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    queue = [urljoin(site, "index.html")]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        page = _open(browser, url, problems)
        assert page.title().endswith("aisec module catalog")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            assert urlparse(target).netloc == urlparse(site).netloc, f"{url}: external link {href}"
            queue.append(target)
        page.close()
    pages = {urlparse(u).path for u in seen}
    assert (
        "/index.html" in pages and "/modules/kms/1.0.0.html" in pages and "/modules/kms/1.1.0.html" in pages
    )
    versions = sum(len(v) for v in load_catalog().modules.values())
    assert len(pages) == 1 + versions  # the index and one page per released module version
    assert problems == []


def test_search_finds_modules(site: str, browser: Browser) -> None:
    problems: list[str] = []
    page = _open(browser, urljoin(site, "index.html"), problems)

    def visible() -> list[str]:
        return page.eval_on_selector_all(
            "#modules tbody tr:not([hidden]) td:first-child", "els => els.map(e => e.innerText)"
        )

    modules = sorted(load_catalog().modules)
    assert visible() == modules
    page.fill("#search", "macie")
    assert "macie" in visible() and "kms" not in visible()
    page.fill("#search", "KMS-1")
    assert visible() == ["kms"]
    page.fill("#search", "endpoint")
    assert visible() == ["audit", "privatelink"]  # audit alarms on endpoint changes (MON-2)
    page.fill("#search", "no such module anywhere")
    assert visible() == [] and page.is_visible("#no-match")
    page.fill("#search", "")
    assert len(visible()) == len(modules) and not page.is_visible("#no-match")
    page.goto(urljoin(site, "index.html?q=storage"))
    assert visible() == ["storage"]
    if os.environ.get("AISEC_SITE_SCREENSHOTS"):  # to look at the pages as a user would
        folder = Path(os.environ["AISEC_SITE_SCREENSHOTS"])
        page.fill("#search", "")
        page.screenshot(path=str(folder / "index.png"), full_page=True)
        page.goto(urljoin(site, "modules/kms/1.1.0.html"))
        page.screenshot(path=str(folder / "kms.png"), full_page=True)
    assert problems == []


def test_module_page_content(site: str, browser: Browser) -> None:
    problems: list[str] = []
    page = _open(browser, urljoin(site, "modules/kms/1.0.0.html"), problems)
    text = page.inner_text("main")
    assert "kms 1.0.0" in text and "latest" not in page.inner_text("h1")
    assert 'kms: "= 1.0.0"' in text and "KMS-1" in text and "key_arns" in text
    assert "1.0.0" in page.inner_text("#changelog ~ h3") and "1.1.0" not in page.inner_text("main h3")
    page.wait_for_load_state("networkidle")  # the favicon fetched before the click leaves the page
    page.click("text=1.1.0")
    assert page.url.endswith("/modules/kms/1.1.0.html") and "prevent_destroy" in page.inner_text("main")
    assert problems == []


def test_site_output_folder_rules(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    proc = run_aisec("catalog", "site", "-o", str(tmp_path / "file"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    proc = run_aisec("catalog", "site", "-o", str(tmp_path / "other"))
    assert proc.returncode == 2 and (tmp_path / "other" / "notes.txt").read_text() == "mine"
    site = tmp_path / "site"
    assert run_aisec("catalog", "site", "-o", str(site)).returncode == 0
    (site / "stale.html").write_text("old")
    assert run_aisec("catalog", "site", "-o", str(site)).returncode == 0  # rebuilt whole
    assert not (site / "stale.html").exists() and (site / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "other", "site"]  # no staging left
