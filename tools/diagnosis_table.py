"""Write docs/diagnosis.md: the assistant's case table, from initlab/lessons/diagnosis_cases.py
and from what diagnose() says on each row (so the document cannot drift from the code).

    PYTHONPATH=. .venv/bin/python tools/diagnosis_table.py          # rewrite docs/diagnosis.md
    PYTHONPATH=. .venv/bin/python tools/diagnosis_table.py --check  # exit 1 if it is stale

tests/unit/test_diagnosis_cases.py checks that the file matches render().
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

from initlab.lessons.diagnosis_cases import CASES
from initlab.lessons.exam import (AREAS, SEEDS, Case, better, findings_at, fix_trial,
                                  offered_fixes, verdict)

DOC = Path(__file__).resolve().parent.parent / "docs" / "diagnosis.md"
HEAD = Path(__file__).resolve().parent / "diagnosis_intro.md"


def config_text(c: Case) -> str:
    fields = ", ".join(f"{k}={v!r}" for k, v in c.config.items())
    return f"`Config({fields})`, {c.at} steps"


def ta_text(c: Case) -> str:
    codes = ", ".join(f"`{code}`" for code in c.expect) or "nothing"
    fix = (" Fix: " + " / ".join(f"`{k}`" for k in c.ta_fix) + ".") if c.ta_fix else ""
    corrected = f" <br>*Corrected after running:* {c.corrected}" if c.corrected else ""
    return f"{c.ta} <br>Raises: {codes.replace('|', ' or ')}.{fix}{corrected}"


def assistant_text(findings: list) -> str:
    if not findings:
        return "nothing"
    parts = []
    for f in findings:
        part = f"`{f.code}` ({f.severity})"
        if f.fix:
            part += f" [{f.fix_label}]"
        parts.append(part)
    return ", ".join(parts)


def fix_text(c: Case, findings: list) -> str:
    """Median val accuracy over seeds 0-4 without -> with each offered fix, seeds better."""
    out = []
    for label, fix in offered_fixes(findings):
        trial = fix_trial(c, fix)
        k, what = (1, "val loss ") if c.judge == "loss" else (0, "")
        before = statistics.median(b[k] for b, _ in trial)
        after = statistics.median(a[k] for _, a in trial)
        wins = sum(better(b, a, c.judge) for b, a in trial)
        out.append(f"{label}: {what}{before:.3g} -> {after:.3g} after {c.steps} steps "
                   f"({wins}/{len(SEEDS)} better)" if k else
                   f"{label}: {before:.2f} -> {after:.2f} after {c.steps} steps "
                   f"({wins}/{len(SEEDS)} better)")
    return "<br>".join(out) or "-"


def row(c: Case) -> tuple[str, str]:
    findings = findings_at(c)
    missed, false = verdict(c, findings)
    mark = "right" if not (missed or false) else "; ".join(
        (["missed: " + ", ".join(missed)] if missed else [])
        + (["false alarm: " + ", ".join(false)] if false else []))
    cells = (c.name, config_text(c), ta_text(c), assistant_text(findings), mark,
             fix_text(c, findings))
    kind = "right" if not (missed or false) else (
        "both" if missed and false else "missed" if missed else "false")
    return "| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |", kind


def render() -> str:
    lines, counts = [], {"right": 0, "missed": 0, "false": 0, "both": 0}
    for area in AREAS:
        lines += ["", f"### {area[0].upper() + area[1:]}", "",
                  "| case | config | a TA says | the assistant says | verdict | "
                  "fix: median val accuracy without -> with |",
                  "|---|---|---|---|---|---|"]
        for c in CASES:
            if c.area == area:
                text, kind = row(c)
                counts[kind] += 1
                lines.append(text)
    summary = (f"{len(CASES)} cases: {counts['right']} right, "
               f"{counts['missed'] + counts['both']} with a miss, "
               f"{counts['false'] + counts['both']} with a false alarm.")
    return HEAD.read_text() + "\n" + summary + "\n" + "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if DOC.exists() and DOC.read_text() == text else 1
    DOC.write_text(text)
    print(next(line for line in text.splitlines() if " cases: " in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
