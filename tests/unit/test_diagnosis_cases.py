"""The assistant against a TA, row by row (initlab/lessons/diagnosis_cases.py, docs/diagnosis.md).

Per row: what diagnose() says after the row's steps on seed 0 is scored strictly against what the
TA wrote (every expected finding raised as a warning or problem, a fix offered on the TA's knob,
no other warning or problem, never two fixes on one knob); every fix it offers is applied, trained
as long as the row and must beat the unfixed run on at least 4 of seeds 0-4.  Runs are remembered
within the session, so the last test (docs/diagnosis.md is what tools/diagnosis_table.py writes)
costs little after the rows.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from initlab.core.diagnose import CODES
from initlab.lessons.diagnosis_cases import CASES
from initlab.lessons.exam import (AREAS, SEEDS, better, findings_at, fix_trial, offered_fixes,
                                  verdict)

ROOT = Path(__file__).resolve().parents[2]
IDS = [c.name for c in CASES]


def test_the_table_is_broad_enough_to_judge_the_assistant():
    assert len(CASES) >= 40 and len(set(IDS)) == len(IDS)
    assert {c.area for c in CASES} == set(AREAS)
    healthy = [c for c in CASES if not c.expect]
    assert len(healthy) >= 10 and len(CASES) - len(healthy) >= 15
    assert {c.judge for c in CASES} <= {"accuracy", "loss"}
    named = {code for c in CASES for codes in (*c.expect, *c.allowed) for code in codes.split("|")}
    assert named <= set(CODES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_assistant_says_what_the_ta_says(case):
    findings = findings_at(case)
    missed, false = verdict(case, findings)
    said = [(f.code, f.severity, f.fix) for f in findings]
    assert missed == [] and false == [], f"{case.name}: {said}"
    for f in findings:                       # a button only on a warning or problem
        assert f.fix is None or f.severity != "info", f


@pytest.mark.parametrize("case", [c for c in CASES if offered_fixes(findings_at(c))],
                         ids=lambda c: c.name)
def test_every_offered_fix_makes_the_run_better_on_four_of_five_seeds(case):
    for label, fix in offered_fixes(findings_at(case)):
        trial = fix_trial(case, fix)
        wins = sum(better(before, after, case.judge) for before, after in trial)
        assert wins >= 4, f"{case.name}: {label} {fix}: {trial}"
        assert len(trial) == len(SEEDS)


def test_the_case_document_is_what_the_code_says():
    spec = importlib.util.spec_from_file_location("diagnosis_table",
                                                  ROOT / "tools" / "diagnosis_table.py")
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    assert (ROOT / "docs" / "diagnosis.md").read_text() == table.render(), (
        "docs/diagnosis.md is stale: run tools/diagnosis_table.py")
