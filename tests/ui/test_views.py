"""The lab's views without a browser: the switch, the link and JSON carrying the view, the
checks view's verdicts and fix buttons, and compare mode across views."""
from __future__ import annotations

import json

import pytest

from initlab.core import links
from initlab.ui.app import Lab


def test_the_switch_shows_each_view_and_the_link_carries_it():
    lab = Lab()
    assert lab.views.current == "network"
    assert lab.views.widget.children[-1] is lab.views.network
    for view in ("checks", "search", "optimisers", "network"):
        lab.views.switch.value = view                  # a click on the switch
        body = lab.views.widget.children[-1]
        assert body is (lab.views.network if view == "network" else lab.views.view(view).widget)
        assert ("view=" + view in lab.share.query) == (view != "network")
    labels = [label for label, _ in lab.views.switch.options]
    assert labels == ["network", "sanity checks", "search", "optimisers"]


def test_a_lab_opens_in_a_view_and_refuses_a_bad_one_by_name():
    assert Lab(view="search").views.current == "search"
    with pytest.raises(ValueError) as err:
        Lab(view="graphs")
    assert err.value.field == "view" and "'optimisers'" in str(err.value)


def test_the_json_export_carries_the_view_and_import_restores_it():
    lab = Lab()
    lab.views.select("optimisers")
    lab._export()
    assert json.loads(lab.json_text.value)["view"] == "optimisers"
    other = Lab()
    other.json_text.value = lab.json_text.value
    other._import()
    assert other.views.current == "optimisers"


def test_the_checks_view_passes_the_default_and_runs_check_by_check():
    lab = Lab(view="checks")
    view = lab.views.view("checks")
    view.run()
    assert lab.views.busy and view.button.disabled
    assert all("waiting" in row.value for row in view.rows)
    lab.views._advance()                               # "running..." on the first check
    assert view.progress.value == 0 and "running" in view.rows[0].value
    lab.views.finish()
    assert view.progress.value == 4 and not lab.views.busy and not view.button.disabled
    assert [r.passed for r in view.results] == [True] * 4
    assert all("il-pass" in row.value for row in view.rows)
    assert view.fixes.buttons() == []


def test_a_failed_overfit_check_offers_the_init_fix_and_its_button_sets_the_controls():
    lab = Lab(init="zeros", view="checks")
    view = lab.views.view("checks")
    view.run()
    lab.views.finish()
    overfit = view.results[2]
    assert not overfit.passed and "il-fail" in view.rows[2].value
    [button] = view.fixes.buttons()
    button.click()
    assert lab.config.init == "he_normal"
    assert "changed since (init)" in view.settings.value


def test_compare_mode_survives_the_view_switch_and_the_checks_use_run_b():
    lab = Lab()
    lab.compare(init="zeros")
    lab.views.select("checks")
    assert lab.comparing and "b.init=zeros" in lab.share.query and "view=checks" in lab.share.query
    view = lab.views.view("checks")
    view.run()
    lab.views.finish()
    assert view.config.init == "zeros" and not view.results[2].passed
    view.fixes.buttons()[0].click()                    # the fix changes run B only
    assert lab.comparing and lab.runs[0].config.init == "he_normal"
    assert lab.config.init == "he_normal"
    lab.views.select("network")
    assert lab.comparing and "view=" not in lab.share.query


def test_stop_ends_the_checks_between_two_checks():
    lab = Lab(view="checks")
    view = lab.views.view("checks")
    view.run()
    for _ in range(3):
        lab.views._advance()
    view.stop_button.click()
    assert not lab.views.busy and len(view.results) == 1
    assert "stopped" in view.rows[3].value and not view.button.disabled
