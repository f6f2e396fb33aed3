"""The evaluation report renders in a real headless Chromium with every plot decoded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ltu_platform.publish.publication import Publication
from ltu_platform.publish.report import SECTIONS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Runs after load: counts images, and those the browser failed to decode (naturalWidth 0),
# and writes the result into the DOM that --dump-dom prints.
PROBE = """
<script>
window.addEventListener('load', () => {
  const imgs = [...document.querySelectorAll('img.plot')];
  const broken = imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = `PLOTS=${imgs.length};BROKEN=${broken.length};ERRORS=${window.__errors.length};` +
                    `WIDTHS=${imgs.map(i => i.naturalWidth).join(',')}`;
  document.body.appendChild(out);
});
</script>
"""
ERROR_TRAP = "<script>window.__errors=[];window.addEventListener('error',e=>window.__errors.push(e.message));</script>"


def _render(html_file: Path, profile: Path) -> str:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--virtual-time-budget=5000", "--dump-dom", html_file.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make browser installs it)")
def test_report_renders_every_plot_in_chromium(publication: Publication, tmp_path: Path) -> None:
    html = publication.report.read_text(encoding="utf-8")
    n_expected = html.count('<img class="plot"')
    assert n_expected >= 8, "every section with data has its plot(s)"
    # the probe goes into a copy: the published report itself carries no script
    probed = tmp_path / "report_probe.html"
    probed.write_text(html.replace("<head>", "<head>" + ERROR_TRAP, 1)
                      .replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    dom = _render(probed, tmp_path / "profile")
    found = re.search(r"PLOTS=(\d+);BROKEN=(\d+);ERRORS=(\d+);WIDTHS=([\d,]*)", dom)
    assert found, "the page did not finish loading in Chromium"
    plots, broken, errors, widths = found.groups()
    assert int(plots) == n_expected
    assert (int(broken), int(errors)) == (0, 0)
    assert all(int(w) > 100 for w in widths.split(","))
    for title, _, _ in SECTIONS:
        assert title in dom
    assert "Not in this publication" not in dom  # the fixture has every source


def test_report_is_self_contained(publication: Publication) -> None:
    html = publication.report.read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert "0.95" in html or "95 %" in html  # the pilot interval is stated
