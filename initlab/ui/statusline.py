"""The status line under the Lab's buttons, as HTML: pure functions of the runs on screen.

Each takes the `Shown` runs (controller.py: tag, run, snapshot) in screen order.  A run alone
(tag "") gets the long line: step, epoch, loss (with ln C at step 0), accuracies and the run's
message.  Runs sharing the screen get one short line each in their colour, then one line
saying which settings differ.  `described` is what every picture shows, for screen readers.
"""
from __future__ import annotations

import html
from typing import Mapping, Sequence

from initlab.ui.controller import Shown
from initlab.ui.summaries import summaries

ERROR_COLOR = "#b00020"
QUIET_COLOR = "#555"


def loss_text(loss: float) -> str:
    """A loss for the status line: three decimals, or three significant digits once it is huge
    (a blown-up net's 6e+56 would otherwise print 57 digits)."""
    return f"{loss:.3f}" if abs(loss) < 1e4 else f"{loss:.3g}"


def status_html(shown: Sequence[Shown], colors: Mapping[str, str]) -> str:
    """The whole status: a line per run (colors: tag -> the run's colour), then what differs."""
    return ("<div>" + "<br>".join(run_line(s, colors) for s in shown) + differences(shown)
            + "</div>")


def run_line(shown: Shown, colors: Mapping[str, str]) -> str:
    """One run's line: the long one for a run alone, else the short one with its coloured tag."""
    if not shown.tag:
        return _long_line(shown)
    run, h = shown.run, shown.run.history
    text = f"step {run.step_count} &middot; loss {loss_text(shown.snapshot.loss)}"
    if h.eval_steps:
        text += f" &middot; acc {h.train_acc[-1]:.0%} / val {h.val_acc[-1]:.0%}"
    if run.diverged:
        what = (f"out of memory in step {run.diverged_at + 1}"        # Run.message's words
                if run.status == "out_of_memory" else f"diverged at step {run.diverged_at}")
        text += f" <b style='color:{ERROR_COLOR}'>{what}</b>"
    return f"<b style='color:{colors[shown.tag]}'>{shown.tag}</b> {text}"


def _long_line(shown: Shown) -> str:
    run, snap, h = shown.run, shown.snapshot, shown.run.history
    parts = [f"step {run.step_count}", f"epoch {run.epoch:.1f}",
             f"loss {loss_text(snap.loss)}" + (f" (ln C = {snap.expected_initial_loss:.3f})"
                                               if run.step_count == 0 else "")]
    if h.eval_steps:
        parts.append(f"train acc {h.train_acc[-1]:.0%}, val acc {h.val_acc[-1]:.0%}")
    line = " &middot; ".join(parts)
    if run.diverged:
        line += (f"<div style='color:{ERROR_COLOR};font-weight:bold'>"
                 f"{html.escape(run.message)}</div>")
    elif run.message:
        line += f"<div style='color:{QUIET_COLOR}'>{html.escape(run.message)}</div>"
    return f"<div>{line}</div>"


def differences(shown: Sequence[Shown]) -> str:
    """Which settings the runs differ in, run by run ("A: init=gaussian · B: init=he_normal"),
    on one line cut with an ellipsis (the whole text in its tooltip); "" for a run alone."""
    first, *others = shown
    if not others:
        return ""
    names = sorted(set().union(*(first.run.config.changed_fields(s.run.config)
                                 for s in others)))
    if names:
        diff = " · ".join(f"{s.tag}: " + ", ".join(f"{n}={getattr(s.run.config, n)}"
                                                   for n in names) for s in shown)
    else:
        diff = f"same settings: change a control to set {others[-1].tag}"
    return (f"<div style='color:{QUIET_COLOR};white-space:nowrap;overflow:hidden;"
            f"text-overflow:ellipsis' title='{html.escape(diff, quote=True)}'>"
            f"{html.escape(diff)}</div>")


def described(shown: Sequence[Shown]) -> str:
    """What every picture shows now (summaries.py), for screen readers: in the page, visually
    hidden, in a polite live region beside the status line."""
    lines = [text for s in shown for text in summaries(s.snapshot, s.run.history, s.tag)]
    return ("<div class='il-sr' role='status' aria-live='polite' aria-label='what the "
            "pictures show'>" + "".join(f"<p>{html.escape(t)}</p>" for t in lines) + "</div>")


def restarts(n_runs: int) -> str:
    """"the run restarts", "both runs restart", "all 3 runs restart"."""
    return {1: "the run restarts", 2: "both runs restart"}.get(n_runs,
                                                                f"all {n_runs} runs restart")
