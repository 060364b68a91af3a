"""The HTML class report in a real browser: Chromium from the system (apt), driven by playwright, offline.

CI installs Chromium (.ci/run) and playwright (the test extra); no browser is downloaded.
"""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is installed by the test extra")
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium is installed by .ci/run")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_html_report_opens_offline_with_plots_and_the_json_numbers(run, tmp_path):
    """Offline Chromium shows three drawn plots, and every count and score on the page equals the JSON's."""
    solution = (ROOT / "solutions" / "affine.yaml").read_text()
    wrong = solution.replace("dJ/dW: a' @ dJ/dc", "dJ/dW: dJ/dc' @ a")
    for student, text in (("ann", solution), ("ben", wrong), ("cid", wrong), ("dee", None)):
        (tmp_path / "c" / student).mkdir(parents=True)
        if text:
            (tmp_path / "c" / student / "affine.yaml").write_text(text)
    args = ("grade", str(tmp_path / "c"), "--assignment", str(ROOT / "tests" / "data" / "affine-assignment.yaml"))
    doc = json.loads(run(*args, "--format", "json").output)
    page_file = tmp_path / "report.html"
    assert run(*args, "--format", "html", "-o", str(page_file)).exit_code == 1

    requests = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            plots = page.locator("figure.plot svg")
            assert plots.count() == 3
            for i in range(3):
                box = plots.nth(i).bounding_box()
                assert box and box["width"] > 100 and box["height"] > 50
                assert plots.nth(i).locator("path, rect, use").count() > 3
            rows = page.eval_on_selector_all("tr.question", """rows => rows.map(r => ({
                exercise: r.dataset.exercise, kind: r.dataset.kind, question: r.dataset.question,
                counts: ["correct", "incorrect", "invalid", "missing"].map(k => Number(r.querySelector(`td[data-${k}]`).textContent))}))""")
            totals = page.eval_on_selector_all("tr.total", """rows => rows.map(r => ({
                student: r.dataset.student, score: Number(r.querySelector("td[data-score]").dataset.score),
                percent: Number(r.querySelector("td[data-percent]").dataset.percent)}))""")
        finally:
            browser.close()
    assert requests == [page_file.as_uri()]
    want = [{"exercise": q["exercise"], "kind": q["kind"], "question": q["question"],
             "counts": [q[k] for k in ("correct", "incorrect", "invalid", "missing")]} for q in doc["summary"]["questions"]]
    assert rows == want
    assert totals == [{"student": s["student"], "score": s["score"], "percent": s["percent"]} for s in doc["students"]]
    dj_dw = next(r for r in rows if (r["kind"], r["question"]) == ("derivative", "dJ/dW"))
    assert dj_dw["counts"] == [1, 2, 0, 1]
