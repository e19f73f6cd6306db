"""Every registered panel draws the list of runs it is given, from real Runs: one run untagged
and in the panel's own colours, two tagged A and B in their run colours, and three after only
RUN_COLORS / RUN_TINTS (base.py) grew a third: no panel knows how many runs there are.

A panel either draws every run at once (each run's colour in its marks, each tag in its texts)
or one run at a time, chosen by a run switch whose options are the runs' tags.
"""
from __future__ import annotations

import re

import bqplot as bq
import ipywidgets as w
import pytest

from initlab.core.config import Config
from initlab.core.run import Run
from initlab.ui.panels import PANELS, base
from initlab.ui.panels.base import RUN_COLORS, RUN_TINTS, run_views

# small runs that differ where the pictures show it: activation, depth, width
CONFIGS = [dict(activation="relu", depth=3, width=8),
           dict(activation="tanh", depth=2, width=6),
           dict(activation="leaky_relu", depth=4, width=5)]
THIRD = ("C", "#2f9e44", "#9fd8a8")       # a third run's tag, colour and tint
TAG = re.compile(r"(?<![\w/|])([A-C])(?![\w/|])")   # a run's tag standing alone in a text


def make_runs(n: int, seed: int) -> list[Run]:
    """n small runs trained 12 steps (one accuracy measurement), each with a live change of
    its learning rate at step 6 (a change marker)."""
    runs = []
    for fields in CONFIGS[:n]:
        config = Config(n_samples=200, seed=seed, **fields)
        run = Run(config, probe_size=64, eval_every=10)
        run.step(6)
        run.apply(config.replace(lr=0.02))
        run.step(6)
        runs.append(run)
    return runs


def draw(panel, runs: list[Run]) -> list[base.RunView]:
    views = run_views([(run.snapshot(), run.history) for run in runs])
    panel.update(views)
    return views


def shown_widgets(widget) -> list:
    """Every widget on screen under `widget` (boxes' children, recursively)."""
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += shown_widgets(child)
    return out


def texts(panel) -> list[str]:
    """Every text the panel shows: figure titles, axis labels, Label marks' texts, line labels,
    HTML notes (the depth profile's colour key)."""
    out = []
    for fig in panel.figures():
        out.append(fig.title)
        out += [ax.label for ax in fig.axes]
        for mark in fig.marks:
            if not mark.visible:
                continue
            if isinstance(mark, bq.Label):
                out += [str(t) for t in mark.text]
            out += [str(t) for t in getattr(mark, "labels", None) or []]
    out += [x.value for x in shown_widgets(panel.widget) if isinstance(x, w.HTML)]
    return out


def colours(panel) -> set[str]:
    """Every colour the panel's visible marks draw in (line, fill and text colours)."""
    out = set()
    for fig in panel.figures():
        for mark in fig.marks:
            if mark.visible:
                out |= set(getattr(mark, "colors", None) or [])
                out |= set(getattr(mark, "fill_colors", None) or [])
    return out


def switch(panel) -> w.ToggleButtons | None:
    """The panel's run switch if it is on screen."""
    choice = getattr(panel, "run_choice", None)
    return choice if choice is not None and choice in shown_widgets(panel.widget) else None


def run_colours() -> set[str]:
    return set(RUN_COLORS.values()) | set(RUN_TINTS.values())


def check_views_drawn(panel, views: list[base.RunView]) -> None:
    """What the panel shows follows `views` (two or more): every run at once, or one at a
    time by a switch whose options are the tags."""
    tags = [v.tag for v in views]
    choice = switch(panel)
    if choice is not None:
        assert tuple(choice.options) == tuple(tags), panel.name
        for view in views:                        # each choice draws that run, titled so
            choice.value = view.tag
            titles = " ".join(f.title for f in panel.figures())
            assert view.tag in TAG.findall(titles), (panel.name, view.tag, titles)
            assert {t for t in TAG.findall(titles) if t != view.tag} <= set(tags)
        return
    drawn = colours(panel)
    for view in views:
        assert view.color in drawn, (panel.name, view.tag)
    found = {t for text in texts(panel) for t in TAG.findall(text)}
    assert found == set(tags), (panel.name, found)


@pytest.mark.parametrize("name", list(PANELS))
def test_one_run_is_drawn_untagged_in_the_panels_own_colours(name):
    panel = PANELS[name]()
    draw(panel, make_runs(1, seed=0))
    assert switch(panel) is None
    assert not [t for t in texts(panel) if TAG.search(t)], name      # no "A", "B", "1 B"...
    assert not colours(panel) & run_colours(), name


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(PANELS))
def test_two_runs_are_drawn_tagged_a_and_b_in_their_colours(name, seed):
    panel = PANELS[name]()
    runs = make_runs(2, seed)
    views = draw(panel, runs)
    assert [v.tag for v in views] == ["A", "B"]
    check_views_drawn(panel, views)
    draw(panel, runs[:1])                         # back to one run: no B left behind
    assert switch(panel) is None
    assert not [t for t in texts(panel) if TAG.search(t)], name
    assert not colours(panel) & run_colours(), name


def test_the_switch_keeps_its_choice_and_an_experiment_can_open_on_a():
    panel = PANELS["boundary"]()
    runs = make_runs(2, seed=0)
    draw(panel, runs)
    assert panel.run_choice.value == "B"          # the run the controls move
    panel.run_choice.value = "A"
    assert panel.figure.title.startswith("decision boundary of A")
    draw(panel, runs)
    assert panel.run_choice.value == "A"          # a redraw keeps the student's choice
    units = PANELS["dead_relu"]()
    units.show_run("A")                           # before compare mode: the switch starts on A
    draw(units, runs)
    assert units.run_choice.value == "A" and units.figure.title.startswith("A: ")


@pytest.fixture
def three_runs(monkeypatch):
    """A third run colour, added where a new one would be: base.RUN_COLORS and RUN_TINTS (the
    tag "C" is the controller's third)."""
    tag, color, tint = THIRD
    monkeypatch.setitem(RUN_COLORS, tag, color)
    monkeypatch.setitem(RUN_TINTS, tag, tint)


@pytest.mark.parametrize("name", list(PANELS))
def test_a_third_run_needs_only_a_third_colour(name, three_runs):
    panel = PANELS[name]()
    runs = make_runs(3, seed=0)
    views = draw(panel, runs)
    assert [(v.tag, v.color) for v in views] == [("A", RUN_COLORS["A"]), ("B", RUN_COLORS["B"]),
                                                 THIRD[:2]]
    check_views_drawn(panel, views)
    check_views_drawn(panel, draw(panel, runs[:2]))   # down to two: C's button goes too


def test_three_runs_in_the_ridgeline_the_neurons_and_the_unit_raster(three_runs):
    runs = make_runs(3, seed=1)
    ridge = PANELS["histograms"]()
    draw(ridge, runs)
    assert ridge.drawn_rows == 3 * 4              # the deepest run's 4 layers, a row per run
    names = [str(t) for t in ridge.names.text]
    assert names[:3] == ["1 A", "1 B", "1 C"] and names[-1] == "4 C"
    assert list(ridge.names.colors[:3]) == [RUN_COLORS[t] for t in "ABC"]
    units = PANELS["dead_relu"]()
    draw(units, runs)
    assert units.neurons.picture.labels[:3] == ["1 A", "1 B", "1 C"]
    units.view_choice.value = True                # the unit raster: a row per run and layer
    assert units.raster.y_axis.label == "layer: A over B over C"
    assert units.raster.cells.color.shape[0] >= 3 * 4
