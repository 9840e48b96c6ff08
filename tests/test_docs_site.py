"""Read the built documentation site as a reader would: headless Chromium, network off.

Opens the index, the ridge theory page and one API page of ``docs/_build/html`` through
``file://`` URLs, with every http(s) request sent to a dead proxy. For each page it asserts that

* the math is rendered: MathJax ran, and no raw ``$``, ``\\(`` or ``\\[`` is left in the visible
  text (code blocks excepted);
* no asset failed to load: every ``<script>``, ``<link>`` and ``<img>`` source is a local file
  that exists, no request left the machine, and the browser reported no failed load;

and it keeps a screenshot of each page in ``docs/_build/screenshots/``.

Chromium is Debian's package (``apt-get install chromium``), driven through the DevTools
protocol over a pipe (``--remote-debugging-pipe``), so no Python browser package is needed.
The site is built (``sphinx-build -W``) when ``docs/_build/html`` is missing. Without Chromium the
test is skipped locally and fails in CI (the environment variable ``CI`` is set).
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests._env import missing_tool

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"
SHOTS = ROOT / "docs" / "_build" / "screenshots"
#: API pages to open, in order of preference: the first one that has math is used.
API_PAGES = (
    "sdtheory.ridge.sd_risk",
    "sdtheory.ridge.optimal_sd",
    "sdtheory.ridge.filter_risk",
    "sdtheory.ridge.Spectrum",
)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium():
    path = _chromium()
    if path is None:
        msg = "Chromium is not installed (apt-get install -y chromium)"
        missing_tool(msg)
    return path


@pytest.fixture(scope="module")
def site():
    """The built site; built here (once, under a lock: xdist workers share it) if missing."""
    import fcntl

    HTML.parent.mkdir(parents=True, exist_ok=True)
    with open(HTML.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (HTML / "index.html").exists():
            cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
            cmd += [str(ROOT / "docs"), str(HTML)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
            assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return HTML


class Browser:
    """Headless Chromium driven by the DevTools protocol over ``--remote-debugging-pipe``."""

    def __init__(self, exe: str, profile: str):
        # Chromium reads commands from fd 3 and writes replies to fd 4, NUL-separated JSON.
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def _fds():
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)

        args = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--allow-file-access-from-files",
            "--hide-scrollbars",
            "--window-size=1280,1000",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_fds,
            pass_fds=(3, 4),
        )
        os.close(cmd_r)
        os.close(res_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._res_r)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self._res_r], [], [], left)
            if ready:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev.get("method") == method and ev.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            ev = self._read(deadline)
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev
            self.events.append(ev)


@pytest.fixture(scope="module")
def browser(chromium):
    with tempfile.TemporaryDirectory(prefix="sdtheory-chromium-") as profile:
        b = Browser(chromium, profile)
        try:
            yield b
        finally:
            b.close()


# Visible text of the page (navigation included) without code, scripts, styles and rendered math.
_VISIBLE_TEXT = r"""
(() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .headerlink')
       .forEach(e => e.remove());
  return clone.innerText;
})()
"""

_ASSETS = r"""
(() => {
  const out = [];
  document.querySelectorAll('script[src]').forEach(e => out.push(['script', e.src]));
  document.querySelectorAll('link[href]').forEach(e => {
    const rel = (e.getAttribute('rel') || '').toLowerCase();
    if (/stylesheet|icon|preload|modulepreload|manifest/.test(rel)) out.push(['link', e.href]);
  });
  document.querySelectorAll('img[src]').forEach(e => out.push(['img', e.src]));
  return JSON.stringify(out);
})()
"""

_WAIT_MATHJAX = r"""
(async () => {
  for (let i = 0; i < 200 && document.querySelector('script[src*="mathjax"]') &&
       !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    return document.querySelectorAll('mjx-container').length;
  }
  return -1;
})()
"""


def _open(browser: Browser, url: str, shot: Path) -> dict:
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Network", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_event("Page.loadEventFired", session)

    def evaluate(expr):
        res = browser.send(
            "Runtime.evaluate",
            {"expression": expr, "awaitPromise": True, "returnByValue": True},
            session=session,
        )
        assert "exceptionDetails" not in res, res
        return res["result"].get("value")

    n_math = evaluate(_WAIT_MATHJAX)
    tex_errors = evaluate(
        "Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent)"
    )
    evaluate("document.fonts.ready.then(() => true)")
    time.sleep(0.3)
    browser.send("Runtime.evaluate", {"expression": "1"}, session=session)  # drain events
    text = evaluate(_VISIBLE_TEXT)
    assets = json.loads(evaluate(_ASSETS))
    png = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(base64.b64decode(png))
    events = [e for e in browser.events if e.get("sessionId") == session]
    browser.send("Target.closeTarget", {"targetId": target})
    return {
        "n_math": n_math,
        "tex_errors": tex_errors,
        "text": text,
        "assets": assets,
        "events": events,
    }


def _api_page(site: Path) -> tuple[str, bool]:
    """An API page with math if there is one (preferring ``API_PAGES``), else ``sd_risk``'s."""
    gen = site / "api" / "generated"
    pages = [gen / f"{n}.html" for n in API_PAGES] + sorted(gen.glob("*.html"))
    for page in pages:
        if page.exists() and 'class="math' in page.read_text(encoding="utf-8"):
            return str(page.relative_to(site)), True
    return f"api/generated/{API_PAGES[0]}.html", False


@pytest.mark.parametrize("name", ["index", "theory-ridge", "api"])
def test_page_renders_offline(name, site, browser):
    rel, must_have_math = {
        "index": ("index.html", True),
        "theory-ridge": ("theory/ridge.html", True),
        "api": _api_page(site),
    }[name]
    page = site / rel
    assert page.exists(), f"{rel} was not built"
    html = page.read_text(encoding="utf-8")
    has_math = 'class="math' in html
    if must_have_math:
        assert has_math, f"{rel} has no math to render"

    result = _open(browser, page.as_uri(), SHOTS / f"{name}.png")

    # Math rendered: MathJax ran (offline copy) and no raw TeX delimiters are left.
    if has_math:
        assert result["n_math"] and result["n_math"] > 0, f"MathJax did not render {rel}"
    assert not result["tex_errors"], f"TeX errors in {rel}: {result['tex_errors'][:5]}"
    text = result["text"]
    for raw in ("$", "\\(", "\\)", "\\[", "\\]", "\\begin{"):
        where = text.find(raw)
        assert where < 0, f"raw {raw!r} left in {rel}: ...{text[max(0, where - 60) : where + 60]!r}"

    # Every asset is a local file that exists; nothing went to the network; nothing failed.
    assert result["assets"], f"no assets found in {rel}"
    for kind, url in result["assets"]:
        parsed = urlparse(url)
        assert parsed.scheme == "file", f"{rel}: {kind} loads {url} (not offline)"
        assert Path(unquote(parsed.path)).exists(), f"{rel}: {kind} {url} is missing"
    requested = [
        e["params"]["request"]["url"]
        for e in result["events"]
        if e.get("method") == "Network.requestWillBeSent"
    ]
    remote = [u for u in requested if re.match(r"https?:", u)]
    assert not remote, f"{rel} requested from the network: {remote}"
    assert any(u.startswith("file:") for u in requested), "no load events seen"
    failed = [
        (e["params"].get("errorText"), e["params"].get("requestId"))
        for e in result["events"]
        if e.get("method") == "Network.loadingFailed"
    ]
    assert not failed, f"{rel}: failed loads {failed}"
    errors = [
        e["params"]
        for e in result["events"]
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
    ]
    assert not errors, f"{rel}: browser errors {errors}"
    assert (SHOTS / f"{name}.png").stat().st_size > 1000


def test_built_html_references_no_remote_assets(site):
    """No page of the site loads a script, stylesheet, font or image over http(s)."""
    pattern = re.compile(
        r"<(?:script|img)[^>]+src=[\"']https?:|<link[^>]+href=[\"']https?:[^>]+>", re.I
    )
    bad = []
    for page in site.rglob("*.html"):
        for m in pattern.finditer(page.read_text(encoding="utf-8")):
            tag = m.group(0)
            if tag.lower().startswith("<link") and not re.search(
                r"rel=[\"'](?:stylesheet|preload|icon|modulepreload)", tag, re.I
            ):
                continue
            bad.append((str(page.relative_to(site)), tag[:120]))
    assert not bad, bad[:10]
    css_urls = []
    for css in (site / "_static").rglob("*.css"):
        css_urls += [
            (css.name, u)
            for u in re.findall(r"url\(\s*[\"']?(https?:[^)\"']+)", css.read_text(errors="replace"))
        ]
        css_urls += [
            (css.name, u)
            for u in re.findall(r"@import\s+[\"'](https?:[^\"']+)", css.read_text(errors="replace"))
        ]
    assert not css_urls, css_urls[:10]
