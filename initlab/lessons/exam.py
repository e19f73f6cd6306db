"""The assistant's exam: the Case record (one row of initlab/lessons/diagnosis_cases.py), and
running it: a case's findings, the verdict against the TA's row, and the fix trial every
offered fix must win.

tests/unit/test_diagnosis_cases.py and tools/diagnosis_table.py (docs/diagnosis.md) run the
rows with these; results are remembered, since both ask for the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

AREAS = ("init", "activation", "normalisation", "regularisation", "learning rate", "optimiser",
         "data", "batch size", "capacity")


@dataclass(frozen=True)
class Case:
    name: str
    area: str
    config: dict
    at: int                       # steps trained before the findings are read
    ta: str                       # what a TA says
    expect: tuple = ()            # codes a TA raises (warning or problem)
    allowed: tuple = ()           # also true of the run: may be raised
    ta_fix: tuple = ()            # knobs a TA would turn
    train: int = field(default=0)  # steps for the fix comparison (0: max(at, 300))
    corrected: str = ""           # where the row written beforehand was wrong, and why
    judge: str = "accuracy"       # how a fix is judged: "accuracy" (then val loss), or "loss"

    @property
    def steps(self) -> int:
        return self.train or max(self.at, 300)


def case(name: str) -> Case:
    from .diagnosis_cases import CASES
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(name)


SEEDS = range(5)
SPEAKS = ("warning", "problem")      # what counts as raising a finding (info is a side note)


def findings_at(c: Case, seed: int = 0) -> list:
    """diagnose() of the case's run after c.at steps (remembered: the test and the table
    generator ask for the same rows)."""
    return list(_findings(c.name, seed))


@lru_cache(maxsize=None)
def _findings(name: str, seed: int) -> tuple:
    from initlab.core.config import Config
    from initlab.core.diagnose import diagnose
    from initlab.core.run import Run
    c = case(name)
    run = Run(Config(**c.config, seed=seed))
    run.step(c.at)
    return tuple(diagnose(run))


def verdict(c: Case, findings: list) -> tuple[list[str], list[str]]:
    """(missed, false alarms) of the assistant's findings against the TA's row, in words."""
    raised = [f for f in findings if f.severity in SPEAKS]
    codes = {f.code for f in raised}
    missed = [f"no {code}" for code in c.expect if not codes & set(code.split("|"))]
    fixes = [f.fix for f in raised if f.fix]
    if c.ta_fix and not any(set(fix) & set(c.ta_fix) for fix in fixes):
        missed.append("no fix on " + " / ".join(c.ta_fix))
    expected = {code for codes_ in c.expect for code in codes_.split("|")}
    false = [f"{f.code} ({f.severity})" for f in raised
             if f.code not in expected and f.code not in c.allowed]
    knobs: dict[str, set] = {}
    for fix in (f.fix for f in findings if f.fix):
        for knob, value in fix.items():
            knobs.setdefault(knob, set()).add(repr(value))
    false += [f"two fixes on {knob}" for knob, values in knobs.items() if len(values) > 1]
    return missed, false


def offered_fixes(findings: list) -> list[tuple[str, dict]]:
    """The distinct (label, fix) pairs the findings offer, in their order."""
    out: list[tuple[str, dict]] = []
    for f in findings:
        if f.fix and (f.fix_label, f.fix) not in out:
            out.append((f.fix_label, dict(f.fix)))
    return out


def final_val(config: dict, steps: int, seed: int) -> tuple[float, float]:
    """(validation accuracy, validation data loss) after `steps` steps; a diverged run's
    loss is inf (remembered per config, steps and seed)."""
    return _final_val(tuple(sorted(config.items())), steps, seed)


@lru_cache(maxsize=None)
def _final_val(items: tuple, steps: int, seed: int) -> tuple[float, float]:
    import math
    from initlab.core.config import Config
    from initlab.core.run import Run
    run = Run(Config(**dict(items), seed=seed))
    run.step(steps)
    acc, loss = run.evaluate(run.data.x_val, run.data.y_val)
    return acc, (loss if math.isfinite(loss) and not run.diverged else math.inf)


def better(before: tuple[float, float], after: tuple[float, float],
           judge: str = "accuracy") -> bool:
    """Higher validation accuracy, or the same accuracy at a lower validation loss; judged by
    "loss" (a row whose fix is about sane scores, Case.judge): a lower validation loss."""
    if judge == "loss":
        return after[1] < before[1]
    return after[0] > before[0] or (after[0] == before[0] and after[1] < before[1])


def fix_trial(c: Case, fix: dict) -> list[tuple[tuple, tuple]]:
    """Per seed: ((acc, loss) without the fix, (acc, loss) with it), both after c.steps."""
    fixed = {**c.config, **fix}
    return [(final_val(c.config, c.steps, s), final_val(fixed, c.steps, s)) for s in SEEDS]
