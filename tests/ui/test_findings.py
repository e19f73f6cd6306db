"""The diagnosis in the lab: findings listed worst first, one-knob fixes as buttons, only changed
rows re-sent.  No browser: the widgets are read and clicked in Python."""
from __future__ import annotations

from initlab.core.diagnose import Finding
from initlab.ui.app import Lab
from initlab.ui.findings import MAX_ROWS, FindingsView


def _finding(code: str, severity: str, fix: dict | None = None) -> Finding:
    return Finding(code, severity, f"{code} says so", {}, fix, "fix it" if fix else "")


def test_small_init_on_a_deep_relu_net_is_diagnosed_and_its_button_switches_to_he():
    lab = Lab(init="gaussian", weight_std=0.01, depth=6)
    run, finding = lab.findings_view.shown[0]
    assert (finding.code, finding.severity) == ("vanishing_gradients", "problem")
    assert finding.evidence["ratio"] < 1e-2          # the gradient shrinks >100x across depth
    assert "vanishing_gradients" in lab.findings.children[0].children[0].value
    [button] = lab.findings_view.buttons()
    assert button.description == "switch init to He"
    button.click()
    assert lab.config.init == "he_normal"
    assert lab.findings.children == ()               # He at step 0: nothing left to say


def test_a_redraw_with_the_same_findings_sends_nothing():
    lab = Lab(init="gaussian", weight_std=0.01, depth=6)
    sends = lab.findings_view.sends
    text = lab.findings_view.rows[0].text
    sent = []
    text.observe(lambda change: sent.append(change["new"]), "value")
    lab._redraw_now()
    lab._redraw_now()
    assert lab.findings_view.sends == sends
    assert sent == []


def test_findings_of_two_runs_are_merged_worst_first_and_only_b_gets_buttons():
    view = FindingsView(apply=lambda **fields: None)
    a = [_finding("saturation", "warning", {"init": "xavier_normal"})]
    b = [_finding("diverged", "problem", {"lr": 0.01}), _finding("overfitting", "info")]
    view.update([("A", a), ("B", b)], fixable="B")
    assert [(run, f.code) for run, f in view.shown] == [
        ("B", "diverged"), ("A", "saturation"), ("B", "overfitting")]
    assert [btn.description for btn in view.buttons()] == ["fix it"]
    assert view.rows[0].fix == {"lr": 0.01}
    assert view.rows[1].fix is None                  # A is pinned: no button


def test_findings_with_the_same_fix_share_one_button_on_the_worst():
    view = FindingsView(apply=lambda **fields: None)
    xavier = {"init": "xavier_normal"}
    view.update([("", [_finding("initial_loss", "problem", xavier),
                       _finding("saturation", "problem", xavier),
                       _finding("diverged", "warning", {"lr": 0.01})])])
    assert [row.fix for row in view.rows[:3]] == [xavier, None, {"lr": 0.01}]
    assert len(view.buttons()) == 2


def test_a_fix_button_calls_apply_with_the_finding_fields():
    applied = []
    view = FindingsView(apply=lambda **fields: applied.append(fields))
    view.update([("", [_finding("update_ratio_low", "warning", {"lr": 0.1})])])
    view.buttons()[0].click()
    assert applied == [{"lr": 0.1}]


def test_more_findings_than_rows_are_counted_not_listed():
    view = FindingsView(apply=lambda **fields: None)
    many = [_finding(code, "info") for code in ("dead_units", "saturation", "loss_flat",
                                                "overfitting", "small_batch_norm", "diverged")]
    view.update([("", many)])
    assert len(view.shown) == MAX_ROWS
    assert f"and {6 - MAX_ROWS} more" in view.widget.children[-1].value
    view.update([("", many[:1])])
    assert len(view.widget.children) == 1


def test_the_fix_for_a_run_that_blew_up_lowers_the_rate_and_starts_again():
    lab = Lab(optimizer="sgd", lr=50.0)
    lab.step(50)
    assert lab.run.diverged
    run, finding = lab.findings_view.shown[0]
    assert finding.code == "diverged" and finding.fix == {"lr": 0.5}    # blew up at once: 100x
    lab.findings_view.buttons()[0].click()
    assert lab.config.lr == 0.5
    assert not lab.run.diverged and lab.run.step_count == 0
