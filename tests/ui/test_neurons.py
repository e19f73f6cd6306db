"""The neuron picture: every hidden unit's map over the input plane, all layers in one texture."""
import numpy as np
import pytest

from initlab import Config, Lab, Run
from initlab.core.snapshot import History
from initlab.ui.panels import neurons as nm
from initlab.ui.panels.plane import DeadUnits
from initlab.ui.panels.raster import Raster

from conftest import make_snapshot, views


def _tile_at(pic, band, unit, cols):
    """The TILE x TILE block of unit `unit` in layer row `band` of a picture."""
    shown = max(pic.shown.values())
    sub = -(-shown // cols)
    pitch = nm.TILE + nm.GAP
    top = band * (sub * pitch - nm.GAP + nm.LAYER_GAP) + (unit // cols) * pitch
    left = (unit % cols) * pitch
    return pic.image[top:top + nm.TILE, left:left + nm.TILE]


@pytest.mark.parametrize("seed", range(5))
def test_each_tile_is_its_units_map_on_one_shared_scale_first_layer_on_top(seed):
    run = Run(Config(width=6, depth=3, seed=seed, activation="tanh"))
    run.step(5)
    snap = run.snapshot()
    pic = nm.neuron_picture(views((snap, History())))
    shown, cols = nm.layout_tiles(6, 3)
    assert pic.shown == {"": 6} == {"": shown} and pic.units == {"": 6}
    values = np.concatenate([np.abs(nm.tiles(s.unit_maps)).ravel() for s in snap.layers])
    peak = np.percentile(values, nm.PEAK_PERCENTILE)
    assert peak <= pic.scale and pic.scale == nm.nice_ceil(peak)      # one round scale
    assert (values > pic.scale).mean() <= 0.02 < (values > pic.scale / 3).mean()
    g = snap.layers[0].unit_maps.shape[1]
    idx = np.round(np.linspace(0, g - 1, nm.TILE)).astype(int)
    for layer in range(3):
        for unit in range(6):
            expected = np.clip(snap.layers[layer].unit_maps[unit][idx[::-1]][:, idx] / pic.scale,
                               -1, 1)
            tile = _tile_at(pic, layer, unit, cols)
            if snap.layers[layer].unit_saturated[unit] >= nm.SATURATED_SHARE:    # framed
                f = nm.FRAME
                for edge in (tile[:f], tile[-f:], tile[:, :f], tile[:, -f:]):
                    assert (edge == nm.FRAME_VALUE).all()
                tile, expected = tile[f:-f, f:-f], expected[f:-f, f:-f]
            np.testing.assert_allclose(tile, expected, atol=1e-6)
    assert pic.labels == ["1", "2", "3"] and list(pic.label_y) == sorted(pic.label_y)
    # the top-left texel of a tile is the plane's top-left corner: (grid_x[0], grid_y[-1])
    plain = int(np.argmin(snap.layers[0].unit_saturated))
    assert snap.layers[0].unit_saturated[plain] < nm.SATURATED_SHARE
    assert _tile_at(pic, 0, plain, cols)[0, 0] == pytest.approx(
        np.clip(snap.layers[0].unit_maps[plain, -1, 0] / pic.scale, -1, 1))
    assert "neurons \u00b1" in pic.title and "6 units" in pic.title


def test_a_collapsed_layer_fades_to_white_on_the_shared_scale():
    snap = make_snapshot(depth=3, activation="tanh", units=4)
    snap.layers[2].unit_maps = snap.layers[2].unit_maps * 1e-6            # the signal vanished
    pic = nm.neuron_picture(views((snap, History())))
    _, cols = nm.layout_tiles(4, 3)
    assert np.abs(_tile_at(pic, 2, 3, cols)).max() < 1e-5
    assert np.abs(_tile_at(pic, 0, 3, cols)).max() > 0.3


def test_dead_units_are_dark_tiles_and_saturated_ones_framed():
    snap = make_snapshot(depth=2, activation="relu", units=4)
    snap.layers[0].unit_active = np.array([0.5, 0.0, 0.9, 0.0], np.float32)
    snap.layers[1].unit_saturated = np.array([0.0, 0.0, 0.8, 0.0], np.float32)
    pic = nm.neuron_picture(views((snap, History())))
    _, cols = nm.layout_tiles(4, 2)
    for unit in (1, 3):
        assert (_tile_at(pic, 0, unit, cols) == nm.DEAD_VALUE).all()
    assert (np.abs(_tile_at(pic, 0, 0, cols)) <= 1).all()                 # alive: its map
    framed = _tile_at(pic, 1, 2, cols)
    f = nm.FRAME                                           # two texels: seen at 3/4 size
    assert f >= 2 and (framed[:f] == nm.FRAME_VALUE).all()
    assert (framed[:, -f:] == nm.FRAME_VALUE).all()
    assert (np.abs(framed[f:-f, f:-f]) <= 1).all()
    assert pic.dead == {"": 2} and pic.saturated == {"": 1}
    assert pic.title.endswith("4 units")                        # the counts sit under it:
    assert pic.legend == ["\u25a0 2/8 dead", "\u25a1 1/8 saturated"]   # over both layers
    # the colour scale's stops: gap, dead, blue, white, orange, frame, evenly on [-3, 2]
    assert [nm.GAP_VALUE, nm.DEAD_VALUE, -1, 0, 1, nm.FRAME_VALUE] == list(range(-3, 3))
    assert len(nm.STOPS) == 6 and "#ff0000" not in nm.STOPS


def test_wide_layers_show_a_labelled_subset_the_same_units_every_time():
    run = Run(Config(dataset="digits", n_classes=10, n_samples=400, width=500, depth=10,
                     activation="tanh"))
    snap = run.snapshot()
    pic = nm.neuron_picture(views((snap, History())))
    shown = pic.shown[""]
    assert nm.SHOWN[0] <= shown <= nm.SHOWN[1] and shown < 500
    assert f"{shown} of 500 units" in pic.title
    _, cols = nm.layout_tiles(500, 10)
    g = snap.layers[9].unit_maps.shape[1]
    idx = np.round(np.linspace(0, g - 1, nm.TILE)).astype(int)
    last = shown - 1                                    # the first `shown` units, in order
    np.testing.assert_allclose(_tile_at(pic, 9, last, cols),
                               np.clip(snap.layers[9].unit_maps[last][idx[::-1]][:, idx]
                                       / pic.scale, -1, 1),
                               atol=1e-6)


def test_compare_mode_puts_a_over_b_in_each_layer_on_one_scale():
    a = make_snapshot(depth=2, activation="relu", units=4)
    b = make_snapshot(depth=2, activation="tanh", units=8)
    for s in b.layers:
        s.unit_maps = s.unit_maps * 3
    pic = nm.neuron_picture(views((a, History()), (b, History())))
    assert pic.labels == ["1 A", "1 B", "2 A", "2 B"]
    assert pic.units == {"A": 4, "B": 8}
    assert pic.title == "neurons \u00b16: A 4 units, B 8 units"
    assert pic.legend == ["\u25a0 dead A 0 of 8",                     # tanh: no dead count
                          "\u25a1 saturated A 0/8, B 0/16"]
    both = nm.neuron_picture(views((a, History()),
                                   (make_snapshot(depth=2, activation="relu"), History())))
    assert both.title == "neurons \u00b12, 4 units: A over B"           # said once: 4 units
    assert both.legend == ["\u25a0 dead A 0, B 0 of 8", "\u25a1 saturated A 0, B 0 of 8"]
    tanh = make_snapshot(depth=2, activation="tanh")
    pair = nm.neuron_picture(views((tanh, History()), (tanh, History())))
    assert pair.title.endswith("4 units: A over B")
    _, cols = nm.layout_tiles(8, 4)
    np.testing.assert_allclose(_tile_at(pic, 1, 7, cols)[0, -1],
                               min(1, b.layers[0].unit_maps[7, -1, -1] / pic.scale))


def test_no_plane_no_picture_and_the_panel_says_why():
    snap = make_snapshot(plane=False)
    assert nm.neuron_picture(views((snap, History()))) is None
    panel = DeadUnits()
    panel.update(views((snap, History())))
    assert panel.neurons.figure.title == "neurons: needs 2-D inputs"


def test_the_panel_draws_the_picture_as_one_raster_and_switches_to_the_unit_raster():
    panel = DeadUnits()
    snap = make_snapshot(depth=3, activation="relu", units=4)
    panel.update(views((snap, History())))
    pic = panel.neurons.picture
    assert panel.figures()[0] is panel.neurons.figure
    assert panel.neurons.figure.marks == [panel.neurons.raster.mark, panel.neurons.names]
    np.testing.assert_array_equal(panel.neurons.raster.mark.color, pic.image[::-1])
    assert list(panel.neurons.names.text[:3]) == ["1", "2", "3"]
    assert panel.neurons.figure.title == pic.title
    assert list(panel.neurons.names.text[3:]) == pic.legend == ["\u25a0 0/12 dead",
                                                                "\u25a1 0/12 saturated"]
    panel.view_choice.value = True                     # redrawn from the last snapshot
    assert panel.figures()[0] is panel.raster.figure
    assert panel.widget.children[:2] == (panel.view_choice, panel.raster.figure)
    assert panel.raster.cells.color.shape == (3, 4)


def test_a_raster_moves_to_webgl_with_its_data_and_back():
    panel = DeadUnits()
    snap = make_snapshot(depth=3, activation="relu", units=4)
    panel.update(views((snap, History())))
    raster: Raster = panel.neurons.raster
    heat = raster.mark
    pytest.importorskip("bqplot_image_gl")
    assert raster.use_gl(True) and raster.gl
    gl = raster.mark
    assert gl in panel.neurons.figure.marks and heat not in panel.neurons.figure.marks
    np.testing.assert_array_equal(gl.image, heat.color)
    np.testing.assert_allclose(gl.x, [0, 1], atol=1e-6)            # the cells' outer edges
    np.testing.assert_allclose(gl.y, [0, 1], atol=1e-6)
    assert gl.scales["image"] is panel.neurons.color_scale
    assert raster.use_gl(False) and not raster.gl
    np.testing.assert_array_equal(raster.mark.color, heat.color)


def test_the_lab_shows_the_neuron_picture_first_with_real_maps():
    lab = Lab(width=8, depth=2)
    panel = lab.panels["dead_relu"]
    assert panel.figures()[0] is panel.neurons.figure
    assert panel.neurons.picture.shown == {"": 8}
    lab.compare(activation="tanh")
    assert panel.neurons.picture.labels == ["1 A", "1 B", "2 A", "2 B"]
