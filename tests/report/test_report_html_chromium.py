"""The HTML report opened in headless Chromium (Debian's ``chromium`` package) shows the totals.

Skipped when /usr/bin/chromium is absent; CI installs it with
``apt-get update && apt-get install -y chromium``.
"""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_report_golden import full_report

from costgate.report.formats import OutputFormat, render

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Texts(HTMLParser):
    """Text of every element with an id, from the DOM Chromium serialised."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if ident:
            self.by_id[ident] = ""
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in ("b", "p"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            self.by_id[ident] += data


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed")
def test_chromium_renders_the_totals_offline(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(OutputFormat.HTML, full_report()), encoding="utf-8")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    texts = _Texts()
    texts.feed(result.stdout)
    assert texts.by_id["total-before"] == "$237.25"
    assert texts.by_id["total-after"] == "$280.10"
    assert texts.by_id["total-delta"] == "+$42.85 +18.1%"
    assert "Policy warn" in texts.by_id["verdict"]
    assert result.stdout.count("<rect") >= 4  # the charts were parsed as SVG, not text
