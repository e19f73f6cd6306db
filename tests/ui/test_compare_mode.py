"""Compare mode without a browser: two runs from one seed, the controls move run B only, every
panel draws both, Play/Step/Reset act on both, links and JSON carry both."""
from __future__ import annotations

import html

import numpy as np
import pytest
from conftest import ridge_heights, shares

from initlab.core import links
from initlab.core.compare import start_scales
from initlab.core.config import Config
from initlab.lessons.presets import PRESETS
from initlab.ui.app import Lab
from initlab.ui.panels.base import RUN_COLORS, RUN_TINTS

DEEP_TANH = dict(activation="tanh", depth=6, width=64, init="gaussian", weight_std=0.01)


def tick(lab: Lab, n: int = 1) -> None:
    """What the browser's Play does every interval while playing (at full speed)."""
    lab.pace.speed = None
    for _ in range(n):
        lab.player.timer.value += 1


def test_compare_pins_a_and_the_controls_change_only_b():
    lab = Lab(**DEEP_TANH)
    b = lab.compare(weight_std=1.0)
    assert b == Config(**DEEP_TANH).replace(weight_std=1.0) == lab.config
    run_a, run_b = lab.runs
    assert run_a.config == Config(**DEEP_TANH) and run_b.config == b
    assert lab.compare_button.value is True
    assert lab.controls.widgets["weight_std"].value == 1.0        # the controls show B
    lab.controls.widgets["lr"].value = 0.003                       # a student moves a control
    lab.coalescer.flush()
    assert lab.runs[0].config == Config(**DEEP_TANH)               # A stays pinned
    assert lab.runs[1].config.lr == 0.003
    lab.set(depth=4)
    assert lab.runs[0].config.depth == 6 and lab.runs[1].config.depth == 4


def test_b_with_std_one_starts_from_as_draws_times_one_hundred_on_the_same_data():
    lab = Lab(**DEEP_TANH)
    lab.compare(weight_std=1.0)
    run_a, run_b = lab.runs
    assert run_b.data is run_a.data
    scales = start_scales(run_a, run_b)
    assert scales is not None and np.allclose(scales[:-1], 100.0)


def test_the_histograms_draw_a_collapsing_a_and_a_saturating_b_in_the_run_colours():
    lab = Lab(**DEEP_TANH)
    lab.compare(weight_std=1.0)
    panel = lab.panels["histograms"]
    assert panel.drawn_rows == 12                        # 6 layers x 2 runs, A above B
    rows = shares(ridge_heights(panel))
    last_a, last_b = rows[10], rows[11]
    mid = last_a.size // 2
    assert last_a[mid - 1] + last_a[mid] == pytest.approx(1.0)   # A: all in the centre bins
    assert last_b[0] + last_b[-1] > 0.5                          # B: piled at -1 and +1
    assert set(panel.curves.colors) == {RUN_COLORS["A"], RUN_COLORS["B"]}
    assert list(panel.names.text[:2]) == ["1 A", "1 B"]


def test_relu_against_tanh_draws_each_row_over_its_own_range_on_one_scale():
    lab = Lab(depth=2)                                     # ReLU: bins on [0, 3]
    lab.compare(activation="tanh")                         # tanh: bins on [-1, 1]
    panel = lab.panels["histograms"]
    x = np.atleast_2d(panel.curves.x)
    assert x.shape[0] == 4
    np.testing.assert_allclose(x[:, [0, -1]], [[0, 3], [-1, 1], [0, 3], [-1, 1]])
    assert (panel.x.min, panel.x.max) == (-1.0, 3.0)


def test_step_trains_both_in_lockstep_and_every_curve_has_two_series():
    lab = Lab()
    lab.compare(lr=0.1)
    assert lab.step(20) == 20
    assert [r.step_count for r in lab.runs] == [20, 20]
    loss = lab.panels["loss"].loss
    assert np.atleast_2d(loss.y).shape[0] == 4             # train and validation, A and B
    assert list(loss.colors) == [RUN_COLORS["A"], RUN_TINTS["A"], RUN_COLORS["B"],
                                 RUN_TINTS["B"]]
    assert np.atleast_2d(lab.panels["loss"].accuracy.y).shape[0] == 4
    a_loss, b_loss = np.atleast_2d(loss.y)[[0, 2]]
    assert not np.allclose(a_loss[np.isfinite(a_loss)], b_loss[np.isfinite(b_loss)])
    line = html.unescape(lab.status.line.value)
    assert line.count("step 20") == 2 and "lr=0.1" in line


def test_play_trains_both_and_reset_sends_both_back_to_step_zero():
    lab = Lab()
    lab.compare(activation="tanh")
    lab.play()
    tick(lab, 3)
    lab.pause()
    a, b = lab.runs
    assert a.step_count > 0 and abs(a.step_count - b.step_count) <= 1
    lab.reset()
    assert [r.step_count for r in lab.runs] == [0, 0]


def test_a_rebuilt_b_sends_a_back_to_step_zero_but_a_live_change_does_not():
    lab = Lab()
    lab.compare()
    lab.step(10)
    lab.set(lr=0.003)                                 # live: both go on
    assert [r.step_count for r in lab.runs] == [10, 10]
    lab.set(init="xavier_normal")                     # rebuilds B: both start again
    assert [r.step_count for r in lab.runs] == [0, 0]
    assert lab.runs[0].config.init == "he_normal"


def test_the_boundary_switches_between_a_and_b():
    lab = Lab(activation="relu", depth=2, width=16)
    boundary = lab.panels["boundary"]
    assert boundary.run_choice not in boundary.box.children      # one run: no switch
    lab.compare(activation="tanh")
    lab.step(30)
    plane_a, plane_b = (r.snapshot().plane for r in lab.runs)
    assert boundary.run_choice in boundary.box.children
    assert boundary.run_choice.value == "B"                      # the run the controls move
    np.testing.assert_array_equal(np.floor(boundary.regions.color / 2), plane_b.grid_pred)
    boundary.run_choice.value = "A"
    np.testing.assert_array_equal(np.floor(boundary.regions.color / 2), plane_a.grid_pred)
    assert not np.array_equal(plane_a.grid_pred, plane_b.grid_pred)
    lab.compare(False)
    assert boundary.run_choice not in boundary.box.children


def test_the_data_cloud_draws_b_and_switches_to_a():
    lab = Lab(activation="relu", depth=2, width=16)
    units = lab.panels["dead_relu"]
    assert units.run_choice is None                                # made when comparing starts
    lab.compare(activation="tanh")
    lab.step(30)                       # the same first draws: their lines part as they train
    lines_a, lines_b = (r.snapshot().plane for r in lab.runs)
    assert units.cloud.box.children == (units.cloud.figure, units.run_choice)
    assert units.run_choice.value == "B" and units.cloud.figure.title.startswith("B: ")
    assert units.figures() == [units.neurons.figure, units.cloud.figure]
    drawn_b = units.alive.x.copy()
    units.run_choice.value = "A"
    assert units.cloud.figure.title.startswith("A: ")
    assert not np.array_equal(drawn_b, units.alive.x, equal_nan=True)
    assert not np.array_equal(lines_a.segments_x, lines_b.segments_x, equal_nan=True)
    lab.compare(False)
    assert units.cloud.box.children == (units.cloud.figure,)
    assert not units.cloud.figure.title.startswith(("A: ", "B: "))


def test_the_first_layer_lines_say_whose_they_are():
    lab = Lab(depth=2, width=16)
    lab.compare(activation="leaky_relu")
    title = lab.panels["dead_relu"].cloud.figure
    assert title.title.startswith("B: 16 leaky_relu units")
    lab.panels["dead_relu"].run_choice.value = "A"
    assert title.title.startswith("A: 0 dead of 16")
    lab.compare(False)
    assert lab.panels["dead_relu"].cloud.figure.title.startswith("16 leaky_relu units")


def test_compare_false_ends_compare_mode_and_b_carries_on():
    lab = Lab()
    lab.compare(activation="tanh")
    lab.step(5)
    assert lab.compare(False) is None
    assert len(lab.runs) == 1 and lab.config.activation == "tanh"
    assert lab.run.step_count == 5 and lab.compare_button.value is False
    assert lab.panels["histograms"].drawn_rows == 3


def test_the_toggle_pins_the_settings_on_screen():
    lab = Lab(depth=2)
    lab.compare_button.value = True
    assert len(lab.runs) == 2 and lab.runs[0].config == lab.runs[1].config == Config(depth=2)
    lab.compare_button.value = False
    assert len(lab.runs) == 1


def test_a_bad_field_changes_nothing():
    lab = Lab()
    with pytest.raises(ValueError, match="depth"):
        lab.compare(depth=99)
    assert len(lab.runs) == 1 and lab.compare_button.value is False


def test_the_lectures_comparisons_open_in_compare_mode():
    lab = Lab(panels=["loss"])
    lab.presets.value = "deep sigmoid vanishes"
    preset = PRESETS["deep sigmoid vanishes"]
    a, b = lab.runs
    assert a.config == preset.config and b.config == preset.compare_config
    assert b.config.activation == "relu" and lab.compare_button.value is True
    lab.presets.value = "learning rate too low"           # not a comparison: one run
    assert len(lab.runs) == 1 and lab.config == PRESETS["learning rate too low"].config


def test_the_link_and_the_json_carry_both_runs():
    lab = Lab(depth=4)
    lab.compare(init="xavier_normal")
    assert lab.share.query == "depth=4&b.init=xavier_normal"
    assert "b.init=xavier_normal" in lab.share.widget.value
    assert links.from_query(lab.share.query) == (lab.runs[0].config, lab.runs[1].config)
    lab._export()
    session = links.from_json(lab.json_text.value)
    assert (session.a, session.b) == (lab.runs[0].config, lab.runs[1].config)
    reopened = Lab()                                     # the JSON opens the same two runs
    reopened.json_text.value = lab.json_text.value
    reopened._import()
    assert [r.config for r in reopened.runs] == [r.config for r in lab.runs]
    lab.compare(False)
    assert lab.share.query == "depth=4&init=xavier_normal"


def test_a_lab_opened_with_b_from_a_link_shows_both():
    a, b = links.from_query("depth=2&b.activation=tanh")
    lab = Lab(a, compare=b)
    assert [r.config for r in lab.runs] == [a, b] and lab.compare_button.value is True
    assert lab.panels["histograms"].drawn_rows == 4


def test_the_link_is_the_pages_address_with_the_settings_as_its_query():
    from initlab.ui.share import link_url
    query = "depth=4&b.init=xavier_normal"
    assert link_url(query, {}) == "?" + query                       # JupyterLab: no address
    voila = {"VOILA_REQUEST_URL": "http://127.0.0.1:8866/?depth=2&theme=dark"}
    assert link_url(query, voila) == "http://127.0.0.1:8866/?" + query
    preheated = {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8866", "SCRIPT_NAME": "/"}
    assert link_url(query, preheated) == "http://127.0.0.1:8866/?" + query


def test_outside_voila_the_link_box_holds_the_query_on_one_line():
    lab = Lab()                                    # no Voila here: the JupyterLab case
    value = lab.share.widget.value
    assert ">query</span>" in value and "<div style" not in value     # no second line
    assert "value=''" in value and "(the default settings)" in value  # nothing to append
    lab.set(depth=4)
    assert "value='?depth=4'" in lab.share.widget.value


# A lab comparing a small A with a B whose first step needs far more memory than the process may
# still take (an address-space cap, as a served kernel has): B runs out of memory for real.
OUT_OF_MEMORY_IN_B = r"""
import html, json, resource
from initlab.ui.app import Lab
lab = Lab(panels=["loss"])
lab.compare(depth=3, width=1024, batch_size=4000, n_samples=8000)
for line in open("/proc/self/status"):
    if line.startswith("VmSize:"):
        size = int(line.split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 150 * 2**20, resource.RLIM_INFINITY))
lab.step(1)
a, b = lab.runs
print(json.dumps({"line": html.unescape(lab.status.line.value), "a": a.status, "b": b.status,
                  "a_steps": a.step_count}))
"""


def test_out_of_memory_in_b_says_out_of_memory_not_diverged():
    import json
    import os
    import subprocess
    import sys
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", OUT_OF_MEMORY_IN_B], env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["b"] == "out_of_memory" and result["a"] == "ok", result
    assert result["a_steps"] == 1                       # A trained its step
    assert "out of memory in step 1" in result["line"], result["line"]
    assert "diverged" not in result["line"], result["line"]
