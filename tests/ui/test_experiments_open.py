"""An experiment opens on its problem (issue 20): in every comparison A is the problem, and the
pictures that show one run at a time (the boundary, the first layer's lines) start on A."""
from __future__ import annotations

from initlab.lessons.presets import PRESETS
from initlab.ui.app import Lab


def test_every_comparison_opens_with_the_single_run_pictures_on_a():
    lab = Lab(panels=["boundary", "dead_relu"])
    boundary, units = lab.panels["boundary"], lab.panels["dead_relu"]
    for name, preset in PRESETS.items():
        if preset.compare is None:
            continue
        units.show_run("B")                          # as a student might have left them
        boundary.run_choice.value = "B"
        lab.presets.value = name
        a, b = lab.runs
        assert a.config == preset.config and b.config == preset.compare_config, name
        assert boundary.run_choice.value == units.run_choice.value == "A", name
        assert boundary.figure.title.startswith("decision boundary of A"), name
        assert units.cloud.figure.title.startswith("A: "), name


def test_the_dead_relus_experiment_shows_the_dead_network_first():
    lab = Lab(panels=["dead_relu"])
    lab.presets.value = "dead relus"
    lab.step(300)
    units = lab.panels["dead_relu"]
    dead_a = lab.runs[0].snapshot().plane.unit_dead.sum()
    assert units.run_choice.value == "A" and dead_a > 0
    assert units.cloud.figure.title.startswith(f"A: {dead_a} dead of 64")


def test_a_compare_started_by_hand_after_a_single_experiment_follows_b():
    lab = Lab(panels=["boundary"])
    lab.presets.value = "dead relus"
    lab.presets.value = "learning rate too low"      # one run: the switch goes back to B
    lab.compare(lr=0.1)
    assert lab.panels["boundary"].run_choice.value == "B"
