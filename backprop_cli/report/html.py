"""Lets you look at a class's grades in a browser: one self-contained HTML file (no script, no link, no
font or image fetched) with plots drawn by matplotlib as inline SVG: the score distribution, the share
correct per question and the most common diagnoses per question, then the summary and student tables.

matplotlib is imported here only, so ``check`` never pays for it. Every number in the tables carries a
``data-*`` attribute equal to the JSON report's value, for tests and scrapers.
"""
from __future__ import annotations

import io
import re
from html import escape
from typing import TYPE_CHECKING, Any, Callable

from backprop_cli.messages import message

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from backprop_cli.grade.batch import ClassGrade

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:72em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}.plot svg{max-width:100%;height:auto}
.warn{color:#8a5a00}code{font-size:90%}
"""


def _svg(fig: Figure) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)
    return text                               # inline SVG: no XML prologue, no DOCTYPE, no metadata


def _plots(doc: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    matplotlib.rcParams["svg.fonttype"] = "none"     # text stays text: no glyph outlines, smaller, searchable
    matplotlib.rcParams["svg.hashsalt"] = "backprop"  # the same class gives the same file
    out = []
    percents = [s["percent"] for s in doc["students"]]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(percents, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color="#4c72b0", edgecolor="white")
    ax.set_xlabel("%")
    ax.set_ylabel(message("grade.html.count", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    out.append(("distribution", message("grade.html.distribution", lang), _svg(fig)))

    rows = doc["summary"]["questions"]
    labels = [_label(r, lang) for r in rows]
    shares = [r["correct"] / max(1, r["correct"] + r["incorrect"] + r["invalid"] + r["missing"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.3 * len(rows)))
    ax.barh(range(len(rows)), shares, color="#55a868")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    out.append(("share-correct", message("grade.html.share_correct", lang), _svg(fig)))

    diag = [(lab, code, n) for lab, r in zip(labels, rows) for code, n in list(r["diagnoses"].items())[:3]]
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.3 * max(1, len(diag))))
    if diag:
        ax.barh(range(len(diag)), [n for _, _, n in diag], color="#c44e52")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(message("grade.html.count", lang))
        ax.set_yticks(range(len(diag)), [f"{lab}: {message('diag.name.' + code, lang)}" for lab, code, _ in diag])
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, message("grade.html.no_diagnoses", lang), ha="center", va="center")
        ax.set_axis_off()
    out.append(("diagnoses", message("grade.html.common_diagnoses", lang), _svg(fig)))
    return out


def _label(row: dict[str, Any], lang: str) -> str:
    kind = "" if row["kind"] == "derivative" else f" ({message('report.kind.' + row['kind'], lang)})"
    return f"{row['exercise']}: {row['question']}{kind}"


def grade_html(cg: ClassGrade, lang: str = "en") -> str:
    """The class report as one HTML document."""
    from backprop_cli.report.batch import grade_dict

    doc = grade_dict(cg, lang)
    col: Callable[[str], str] = lambda k: escape(message("grade.col." + k, lang))  # noqa: E731
    st: Callable[[str], str] = lambda k: escape(message("report.status." + k, lang))  # noqa: E731
    title = escape(message("grade.html.title", lang))
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
             f"<title>{title}</title><style>{_CSS}</style></head><body><h1>{title}</h1>"]
    for w in doc["warnings"]:
        parts.append(f'<p class="warn">{escape(message("report.warning", lang))}: {escape(w)}</p>')
    parts.append(f"<h2>{escape(message('grade.html.exercises', lang))}</h2><table><tr><th>{col('exercise')}</th>"
                 f"<th>{col('score')}</th><th>{escape(message('grade.html.fingerprint', lang))}</th></tr>")
    for e in doc["exercises"]:
        parts.append(f'<tr data-exercise="{escape(e["exercise"])}"><td>{escape(e["exercise"])} — '
                     f'{escape(e["title"])}</td><td class="n" data-max-score="{e["max_score"]}">{e["max_score"]:g}</td>'
                     f'<td><code data-fingerprint="{e["fingerprint"]}">{e["fingerprint"]}</code></td></tr>')
    parts.append("</table>")
    for key, caption, svg in _plots(doc, lang):
        parts.append(f'<figure class="plot" id="plot-{key}">{svg}<figcaption>{escape(caption)}</figcaption></figure>')
    parts.append(f"<h2>{escape(message('grade.summary_title', lang))}</h2><table id=\"summary\"><tr>"
                 f"<th>{col('exercise')}</th><th>{col('question')}</th><th>{st('correct')}</th><th>{st('incorrect')}</th>"
                 f"<th>{st('invalid')}</th><th>{st('missing')}</th><th>{col('diagnoses')}</th></tr>")
    for r in doc["summary"]["questions"]:
        cells = "".join(f'<td class="n" data-{k}="{r[k]}">{r[k]}</td>' for k in ("correct", "incorrect", "invalid", "missing"))
        diags = ", ".join(f'<span data-diagnosis="{escape(c)}">{escape(message("diag.name." + c, lang))}</span> {n}'
                          for c, n in r["diagnoses"].items())
        parts.append(f'<tr class="question" data-exercise="{escape(r["exercise"])}" data-kind="{escape(r["kind"])}" '
                     f'data-question="{escape(r["question"])}"><td>{escape(r["exercise"])}</td>'
                     f'<td>{escape(_label(r, lang).split(": ", 1)[1])}</td>{cells}<td>{diags}</td></tr>')
    parts.append(f"</table><h2>{escape(message('grade.html.students', lang))}</h2><table id=\"students\"><tr>"
                 f"<th>{col('student')}</th><th>{col('exercise')}</th><th>{col('score')}</th><th>{col('percent')}</th>"
                 f"<th>{col('not_correct')}</th></tr>")
    for s in doc["students"]:
        for e in s["exercises"]:
            bad = e["error"] or ", ".join(f"{x['question']} ({message('report.status.' + x['status'], lang)}"
                                          f"{', ' + message('diag.name.' + x['diagnosis'], lang) if x['diagnosis'] else ''})"
                                          for x in e["results"] if x["status"] != "correct")
            if not e["counted"]:     # a fault of the tool: flagged, no grade, left out of the total
                parts.append(f'<tr class="record internal" data-student="{escape(s["student"])}" '
                             f'data-exercise="{escape(e["exercise"])}" data-counted="false">'
                             f'<td>{escape(s["student"])}</td><td>{escape(e["exercise"])}</td>'
                             f'<td class="n">—/{e["max_score"]:g}</td><td class="n">—</td>'
                             f'<td class="warn"><b>{escape(bad)}</b></td></tr>')
                continue
            parts.append(f'<tr class="record" data-student="{escape(s["student"])}" data-exercise="{escape(e["exercise"])}">'
                         f'<td>{escape(s["student"])}</td><td>{escape(e["exercise"])}</td>'
                         f'<td class="n" data-score="{e["score"]}">{e["score"]:g}/{e["max_score"]:g}</td>'
                         f'<td class="n">{100 * e["score"] / e["max_score"] if e["max_score"] else 0:.0f}%</td>'
                         f"<td>{escape(bad)}</td></tr>")
        parts.append(f'<tr class="total" data-student="{escape(s["student"])}"><td>{escape(s["student"])}</td>'
                     f'<td><b>{col("total")}</b></td><td class="n" data-score="{s["score"]}">{s["score"]:g}/{s["max_score"]:g}</td>'
                     f'<td class="n" data-percent="{s["percent"]}">{s["percent"]:.0f}%</td><td></td></tr>')
    parts.append("</table></body></html>\n")
    return "".join(parts)
