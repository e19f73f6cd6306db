"""The Lab without a browser: widgets and marks are Python objects, driven as the frontend would."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_panels_match, histogram_bars, notice, timer_fires

from initlab.core import links
from initlab.core.config import FIELDS, Config
from initlab.ui.app import Lab
from initlab.ui.controls import SPECS

DEEP_TANH = dict(activation="tanh", depth=10, width=100, init="gaussian")


def test_small_init_collapses_deep_tanh_activations():
    lab = Lab(**DEEP_TANH, weight_std=1.0)
    lab.controls.widgets["weight_std"].value = 0.01
    last = histogram_bars(lab, 9)
    assert last[19] + last[20] == pytest.approx(1.0)      # all mass in the two centre bins
    last_stats = lab.panels["histograms"].stats.text[9]
    assert float(last_stats.rsplit("\u03c3 ", 1)[1]) < 1e-6    # shown as e.g. "σ 1e-11"
    assert_panels_match(lab, Config(**DEEP_TANH, weight_std=0.01))


def test_large_init_saturates_deep_tanh_at_plus_minus_one():
    lab = Lab(**DEEP_TANH, weight_std=0.01)
    lab.controls.widgets["weight_std"].value = 1.0
    last = histogram_bars(lab, 9)
    assert last[0] + last[-1] > 0.8                        # piled up at -1 and +1
    assert last[19] + last[20] < 0.01
    assert_panels_match(lab, Config(**DEEP_TANH, weight_std=1.0))


# A valid value other than the default for every control, cheap to build.
NEW_VALUES = dict(dataset="moons", n_classes=4, n_samples=300, noise=0.3, val_fraction=0.3,
                  preprocessing="whiten", depth=2, width=16, activation="leaky_relu",
                  leaky_slope=0.2, maxout_pieces=3, init="gaussian", weight_std=0.5,
                  norm="batch", bn_momentum=0.5, dropout=0.5, residual=True, optimizer="sgd",
                  lr=0.1, momentum=0.5, lr_schedule="step", lr_decay=0.3, decay_steps=100,
                  batch_size=32, l1=0.001, l2=0.01, grad_clip=1.0, clip_mode="value", seed=7,
                  dtype="float32")


def test_every_config_field_has_exactly_one_control_with_its_help_as_tooltip():
    assert list(SPECS) == [n for n in SPECS if n in FIELDS] and set(SPECS) == set(FIELDS)
    assert set(NEW_VALUES) == set(FIELDS)
    lab = Lab(panels=[])
    for name, widget in lab.controls.widgets.items():
        assert widget.tooltip == FIELDS[name].metadata["help"]
        if name != "weight_std":                   # He shows its own first-layer std, 1.0
            assert widget.value == getattr(Config(), name)


def test_setting_each_control_updates_config_and_panels():
    lab = Lab(width=16)
    base = lab.config
    for name, value in NEW_VALUES.items():
        if name == "dataset":
            continue                               # moons has 2 classes: tested on its own
        lab.controls.widgets[name].value = value
        timer_fires(lab)
        expected = base.replace(**{name: value})
        if name == "weight_std":                   # moving the slider under He picks gaussian
            expected = expected.replace(init="gaussian")
        assert lab.config == expected, name
        assert lab.run.config == expected
        assert_panels_match(lab, expected)
        lab.use(base)
        shown = 1.0 if name == "weight_std" else getattr(base, name)   # He's first-layer std
        assert lab.controls.widgets[name].value == shown


def test_choosing_a_dataset_keeps_a_class_count_it_allows():
    lab = Lab(n_classes=5)
    lab.controls.widgets["dataset"].value = "moons"
    assert lab.config.dataset == "moons" and lab.config.n_classes == 2
    assert lab.controls.widgets["n_classes"].value == 2
    assert "classes set to 2" in lab.status.notice.value


def test_invalid_combination_shows_why_and_snaps_back():
    lab = Lab(n_classes=3, n_samples=600)
    slider = lab.controls.widgets["n_samples"]
    slider.min = 1                                 # as if the browser sent an out-of-range value
    slider.value = 5
    assert lab.config.n_samples == 600 and slider.value == 600
    assert "n_samples=5 is not allowed: expected an integer in [20, 20000]" in notice(lab)
    slider.value = 300                             # and the lab goes on
    timer_fires(lab)
    assert lab.config.n_samples == 300 and lab.status.notice.value == ""
    assert lab.run.config.n_samples == 300


def test_a_burst_of_slider_events_ends_on_the_last_value():
    lab = Lab(**{**DEEP_TANH, "depth": 4, "width": 32})
    slider = lab.controls.widgets["weight_std"]
    values = np.geomspace(0.01, 3.0, 50)
    before = lab.coalescer.redraws
    for v in values:
        slider.value = float(v)
    timer_fires(lab)
    assert lab.coalescer.redraws - before < 10     # coalesced, not 50 redraws
    assert lab.config.weight_std == pytest.approx(values[-1])
    assert_panels_match(lab, Config(**{**DEEP_TANH, "depth": 4, "width": 32},
                                    weight_std=float(values[-1])))


def test_set_returns_with_controls_and_marks_updated():
    lab = Lab()
    lab.set(**DEEP_TANH, weight_std=0.01)
    assert lab.controls.widgets["depth"].value == 10
    assert lab.controls.widgets["weight_std"].disabled is False
    assert lab.controls.widgets["leaky_slope"].disabled is True
    assert_panels_match(lab, Config(**DEEP_TANH, weight_std=0.01))
    with pytest.raises(ValueError, match="depth"):
        lab.set(depth=0)
    assert lab.config.depth == 10


def test_digits_are_drawn_in_the_plane_of_their_principal_components():
    lab = Lab(dataset="digits", n_classes=10, depth=2, width=32)
    assert lab.snapshot.plane.axis_labels == ("PC 1", "PC 2")
    for name in ("dead_relu", "boundary"):
        assert lab.panels[name].figure in lab.panels[name].figures()
    assert lab.panels["boundary"].x_axis.label == "PC 1"
    assert "64-D inputs" in lab.panels["dead_relu"].note.value
    assert lab.panels["dead_relu"].note in lab.panels["dead_relu"].widget.children
    lab.set(dataset="spiral", n_classes=3)                   # 2-D data: no note, no empty line
    assert lab.panels["dead_relu"].note not in lab.panels["dead_relu"].widget.children
    assert len(lab.panels["dead_relu"].points.x) == len(lab.run.probe_index)


def test_config_json_round_trip_and_a_bad_import_is_explained():
    lab = Lab()
    lab.set(activation="tanh", lr=0.003)
    lab.json_box.selected_index = 0                   # open the settings box
    lab.json_box.children[0].children[1].click()      # Export
    assert links.from_json(lab.json_text.value) == links.Session(lab.config)
    lab.json_text.value = lab.json_text.value.replace('"tanh"', '"sigmoid"')
    lab.json_box.children[0].children[2].click()      # Import
    assert lab.config.activation == "sigmoid"
    assert lab.controls.widgets["activation"].value == "sigmoid"
    lab.json_text.value = '{"depth": "deep"}'
    lab.json_box.children[0].children[2].click()
    assert "depth='deep' is not allowed" in notice(lab) and lab.config.activation == "sigmoid"


def test_presets_load_their_config_and_lesson():
    from initlab.lessons.presets import PRESETS
    lab = Lab(panels=["depth"])
    lab.presets.value = "dead relus"
    assert lab.runs[0].config == PRESETS["dead relus"].config      # run A; B: lr 0.3 (compare)
    assert lab.controls.widgets["lr"].value == 0.3                 # the controls move B
    assert "rarely come back" in lab.status.notice.value


def test_out_of_range_values_widen_the_slider_instead_of_changing_the_config():
    lab = Lab(optimizer="sgd", lr=50.0, seed=12345, panels=[])
    assert lab.controls.widgets["lr"].value == 50.0 and lab.config.lr == 50.0
    assert lab.controls.widgets["seed"].max >= 12345 and lab.config.seed == 12345


def test_a_subset_of_panels_and_controls_for_guided_notebooks():
    lab = Lab(panels=["histograms", "depth"], controls=["init", "weight_std", "activation"])
    assert list(lab.panels) == ["histograms", "depth"]
    assert list(lab.controls.widgets) == ["init", "weight_std", "activation"]
    lab.controls.widgets["init"].value = "xavier_normal"
    assert lab.config.init == "xavier_normal"
    assert "xavier_normal std" in lab.controls.implied.value
    with pytest.raises(ValueError, match="panel"):
        Lab(panels=["nope"])


def test_live_changes_while_paused_cost_no_new_snapshot():
    from initlab.core.config import LIVE_FIELDS
    lab = Lab(norm="batch", width=16)
    lab.step(5)
    first = lab.snapshot
    changes = dict(lr=0.5, momentum=0.5, optimizer="sgd", lr_schedule="cosine", lr_decay=0.9,
                   decay_steps=7, batch_size=8, l1=0.1, l2=0.1, dropout=0.5, grad_clip=0.1,
                   clip_mode="value", bn_momentum=0.5)
    assert set(changes) == set(LIVE_FIELDS)
    lab.set(**changes)
    assert lab.snapshot is first                  # a 10 x 500 snapshot costs ~200 ms
    assert lab.run.history.steps == [1, 2, 3, 4, 5]
    lab.step(1)
    assert lab.snapshot is not first


def snapped(slider, value: float) -> float:
    """What the browser's log slider sends for `value`: its exponent snapped to the step."""
    exponent = np.log10(value)
    return float(10 ** (slider.min + round((exponent - slider.min) / slider.step) * slider.step))


@pytest.mark.parametrize("name, typed", [("lr", 0.3), ("lr", 0.0007), ("lr", 2.0), ("lr", 0.0123),
                                         ("weight_std", 0.5), ("weight_std", 0.0316)])
def test_a_value_typed_into_a_log_slider_is_kept_as_typed_in_config_markers_and_links(
        name, typed):
    lab = Lab(optimizer="sgd", init="gaussian")
    lab.step(3)
    slider = lab.controls.widgets[name]
    sent = snapped(slider, typed)
    assert sent != typed                     # the browser's snapping is real
    slider.value = sent
    lab.coalescer.flush()
    assert getattr(lab.config, name) == typed
    assert f"{name}={typed:g}" in links.to_query(lab.config)
    from initlab.core.config import LIVE_FIELDS
    if name in LIVE_FIELDS:                  # a live change is marked on the curves
        marker_texts = " ".join(str(t) for t in lab.panels["loss"].loss_markers.labels.text)
        assert f"{typed:g}" in marker_texts, marker_texts


def test_a_browser_snapping_values_to_slider_steps_changes_nothing():
    lab = Lab(optimizer="sgd", lr=3.0, notice="the link's note")
    lr, momentum = lab.controls.widgets["lr"], lab.controls.widgets["momentum"]
    lr.value = snapped(lr, 3.0)              # what the browser's slider sends back for 3.0
    momentum.value = 0.9000000000000001
    lab.coalescer.flush()
    assert lab.config.lr == 3.0 and lab.config.momentum == 0.9
    assert "the link" in lab.status.notice.value      # the notice is not cleared either
    lr.value = 10 ** 0.1                     # a real move (1.2589...): kept to 3 digits
    lab.coalescer.flush()
    assert lab.config.lr == 1.26


def widget_models() -> int:
    import warnings

    import ipywidgets as w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)    # Widget.widgets: still the registry
        return len(w.Widget.widgets)


def test_the_page_builds_at_most_150_widget_models_at_load():
    from initlab.ui import lean
    from initlab.ui.panels import base
    lean._SHARED.clear()                           # count the shared models too, as a fresh
    base._UNIT_SCALES.clear()                      # kernel would
    before = widget_models()
    lab = Lab()
    made = widget_models() - before
    assert made <= 150, made
    lab.set(activation="tanh", depth=20)           # depth costs no models: one ridgeline mark
    assert widget_models() - before == made


def test_every_control_has_a_label_in_words():
    lab = Lab(panels=[])
    labels = [widget.description for widget in lab.controls.widgets.values()]
    assert all(label and "_" not in label for label in labels), labels
    assert lab.controls.widgets["leaky_slope"].description == "leaky slope"


def test_the_findings_list_sits_under_the_status_line_and_is_empty_for_a_healthy_start():
    lab = Lab()
    side = lab.children[1].children[0]
    assert lab.findings.children == ()
    assert list(side.children).index(lab.findings) == list(side.children).index(
        lab.status.widget) + 1


def test_the_full_lab_is_one_grid_of_named_areas_and_a_subset_flows():
    lab = Lab()
    grid = lab.children[1].children[1]
    assert "il-full" in grid._dom_classes
    assert [f"il-cell-{n}" in p.widget._dom_classes for n, p in lab.panels.items()] == [True] * 6
    subset = Lab(panels=["histograms", "depth"], controls=["init"])
    assert "il-some" in subset.children[1].children[1]._dom_classes
