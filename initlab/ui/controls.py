"""Controls: one widget per Config field, generated from the field's metadata.

SPECS is the one table of the widget layer: field name -> the UI range of its slider (the Config
may allow more; a value outside the range widens the slider rather than being clamped).  The
widget kind follows the field's kind: choice -> Dropdown, bool -> Checkbox, int -> IntSlider,
float -> FloatSlider, logfloat -> FloatLogSlider.  Labels and tooltips come from the metadata.
"""
from __future__ import annotations

import html

import math
import sys
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as w

from initlab.ui import lean
from initlab.ui.live import SPEEDS, Pace, speed_label
from initlab.core.config import CLASS_RANGE, FIELDS, Config
from initlab.nn.activations import ACTIVATIONS, get_activation
from initlab.nn.init import SCHEMES, implied_std
from initlab.nn.optim import RULES, SCHEDULES

GROUPS = ("data", "network", "training")
# A log slider's step, in decades.  The browser snaps every value to it, also one typed into the
# readout (0.05 decades made 0.3 into 0.316); this fine, a value comes back within 0.012% and
# kept_value() rounds it to what was typed: three significant digits, as the readout shows.
LOG_STEP = 1e-4
LOG_DIGITS = 3
FINEST_DECIMALS = 8      # a linear slider's step is refined to at most 1e-8 to hold a value
LABEL_WIDTH = "84px"


def label(name: str) -> str:
    """A control's label: the field's own short label, else its name in words ('leaky slope')."""
    return FIELDS[name].metadata["label"] or name.replace("_", " ")


@dataclass(frozen=True)
class Spec:
    """UI range of a numeric control (None: a choice or bool) and its readout format."""
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    fmt: str | None = None


# Order here is the order on screen within each group.
SPECS: dict[str, Spec] = {
    # data
    "dataset": Spec(),
    "n_classes": Spec(2, 10, 1),
    "n_samples": Spec(20, 2000, 10),
    "noise": Spec(0.0, 1.0, 0.01, ".2f"),
    "val_fraction": Spec(0.05, 0.5, 0.05, ".2f"),
    "preprocessing": Spec(),
    # network
    "depth": Spec(1, 20, 1),
    "width": Spec(1, 512, 1),
    "activation": Spec(),
    "leaky_slope": Spec(0.0, 0.5, 0.01, ".2f"),
    "maxout_pieces": Spec(2, 5, 1),
    "init": Spec(),
    "weight_std": Spec(1e-3, 10.0, LOG_STEP, ".3g"),   # logfloat: step in powers of ten
    "norm": Spec(),
    "bn_momentum": Spec(0.0, 0.99, 0.01, ".2f"),
    "dropout": Spec(0.0, 0.9, 0.05, ".2f"),
    "residual": Spec(),
    # training
    "optimizer": Spec(),
    "lr": Spec(1e-5, 10.0, LOG_STEP, ".3g"),
    "momentum": Spec(0.0, 0.99, 0.01, ".2f"),
    "lr_schedule": Spec(),
    "lr_decay": Spec(0.05, 0.99, 0.01, ".2f"),
    "decay_steps": Spec(10, 5000, 10),
    "batch_size": Spec(1, 512, 1),
    "l1": Spec(0.0, 0.05, 0.0005, ".4f"),
    "l2": Spec(0.0, 0.1, 0.001, ".3f"),
    "grad_clip": Spec(0.0, 20.0, 0.5, ".1f"),
    "clip_mode": Spec(),
    "seed": Spec(0, 100, 1),
    "dtype": Spec(),
}

# When a control matters (otherwise it is greyed out): field -> predicate on the Config.
RELEVANT: dict[str, Callable[[Config], bool]] = {
    "noise": lambda c: c.dataset != "digits",
    "n_classes": lambda c: CLASS_RANGE[c.dataset][0] < CLASS_RANGE[c.dataset][1],
    "leaky_slope": lambda c: "leaky_slope" in ACTIVATIONS[c.activation].knobs,
    "maxout_pieces": lambda c: "maxout_pieces" in ACTIVATIONS[c.activation].knobs,
    "bn_momentum": lambda c: c.norm == "batch",
    "momentum": lambda c: "momentum" in RULES[c.optimizer].knobs,
    "lr_decay": lambda c: "lr_decay" in SCHEDULES[c.lr_schedule].knobs,
    "decay_steps": lambda c: "decay_steps" in SCHEDULES[c.lr_schedule].knobs,
    "clip_mode": lambda c: c.grad_clip > 0,
}


def make_widget(name: str, value: Any) -> w.Widget:
    """The control for one Config field, showing `value`."""
    meta, spec = FIELDS[name].metadata, SPECS[name]
    common = dict(description=label(name), tooltip=meta["help"], layout=lean.layout(width="100%"))
    kind = meta["kind"]
    if kind == "choice":
        return w.Dropdown(options=list(meta["choices"]), value=value,
                          style=lean.style(lean.DescriptionStyle, description_width=LABEL_WIDTH),
                          **common)
    if kind == "bool":
        return w.Checkbox(value=value, indent=True,
                          style=lean.style(lean.CheckboxStyle, description_width=LABEL_WIDTH),
                          **common)
    common["style"] = lean.style(lean.SliderStyle, description_width=LABEL_WIDTH)
    if kind == "int":
        return w.IntSlider(value=value, min=int(spec.lo), max=int(spec.hi), step=int(spec.step),
                           continuous_update=True, **common)
    if kind == "logfloat":
        return w.FloatLogSlider(value=value, base=10, min=math.log10(spec.lo),
                                max=math.log10(spec.hi), step=spec.step, readout_format=spec.fmt,
                                continuous_update=True, **common)
    return w.FloatSlider(value=value, min=spec.lo, max=spec.hi, step=spec.step,
                         readout_format=spec.fmt, continuous_update=True, **common)


def kept_value(widget: w.Widget, value: Any) -> Any:
    """The value a student meant, from what the browser's slider sent: a log slider's to three
    significant digits (a typed 0.3 arrives as 0.30001), a linear slider's to its step's
    decimals (0.9 arrives as 0.9000000000000001).  Other widgets' values as they are."""
    if isinstance(widget, w.FloatLogSlider) and value > 0 and math.isfinite(value):
        return float(f"{value:.{LOG_DIGITS}g}")
    if isinstance(widget, w.FloatSlider) and math.isfinite(value):
        decimals = max(0, -math.floor(math.log10(widget.step))) if widget.step > 0 else 6
        return round(float(value), decimals)
    return value


def same_at_resolution(widget: w.Widget, shown: Any, new: Any) -> bool:
    """True when `new` is only `shown` rounded to the slider's step.

    A browser slider snaps the value it is given to its step and sends the snapped value back
    (lr 3.0 comes back as 3.16, momentum 0.9 as 0.9000000000000001).  That is not the student
    moving the control, and must not change the Config or clear a notice.
    """
    if isinstance(widget, w.FloatLogSlider):
        if shown <= 0 or new <= 0:
            return shown == new
        return abs(math.log10(new) - math.log10(shown)) <= widget.step / 2 + 1e-9
    if isinstance(widget, w.FloatSlider):
        return abs(new - shown) <= widget.step / 2 + 1e-12
    return new == shown


def _widen(widget: w.Widget, value: Any) -> None:
    """Make a slider's range include `value` (a Config may allow more than the UI range)."""
    if isinstance(widget, w.FloatLogSlider):
        if value > 0:
            exponent = math.log10(value)
            widget.min = min(widget.min, math.floor(exponent))
            widget.max = max(widget.max, math.ceil(exponent))
    elif isinstance(widget, (w.IntSlider, w.FloatSlider)):
        if value > widget.max:
            widget.max = value
        if value < widget.min:
            widget.min = value


def _resolve(widget: w.Widget, name: str, value: Any) -> None:
    """Give a linear slider (or an integer one) a step and readout fine enough to hold `value`
    as it is, or its own again.  A link, a preset or a typed number can be finer than the step (grad_clip 1e-4 on a
    0.5 step): the readout then said 0.0, clipping off, and the browser snapped the handle to
    it while the run clipped at 1e-4."""
    spec = SPECS[name]
    if isinstance(widget, w.IntSlider):               # n_samples 605 on a step of 10
        widget.step = spec.step if (value - widget.min) % spec.step == 0 else 1
        return
    if not isinstance(widget, w.FloatSlider) or not math.isfinite(value):
        return
    first = max(0, -math.floor(math.log10(spec.step)))
    steps = [(spec.step, spec.fmt)] + [(10.0 ** -d, f".{d}f")
                                       for d in range(first, FINEST_DECIMALS + 1)]
    if value:          # finer than 1e-8 (1e-12): a step at the value's own scale, read as 1e-12
        exponent = math.floor(math.log10(abs(value)))
        steps += [(10.0 ** (exponent - k), ".3g") for k in range(4)
                  if 10.0 ** (exponent - k) >= sys.float_info.min]   # never 0: it hangs the page
    step, fmt = next((s for s in steps if _on_grid(value, widget.min, s[0])), steps[-1])
    widget.step, widget.readout_format = step, fmt


def _on_grid(value: float, lo: float, step: float) -> bool:
    """Whether value is lo + k * step, up to float rounding (1e-12 is not 0 on any step)."""
    k = round((value - lo) / step)
    off = abs(lo + k * step - value)
    return off <= 1e-6 * (min(step, abs(value)) if value else step)


class Controls:
    """The widgets for some Config fields, grouped data / network / training.

    on_change(name, value) is called for every user change that is still current (an event whose
    value the widget no longer holds has been superseded and is skipped).  `show(config)` puts a
    Config's values into the widgets without calling on_change.
    """

    def __init__(self, config: Config, on_change: Callable[[str, Any], None],
                 fields: list[str] | None = None, input_dim: int = 2) -> None:
        names = list(SPECS) if fields is None else list(fields)
        unknown = [n for n in names if n not in SPECS]
        if unknown:
            raise ValueError(f"unknown control {unknown[0]!r}: allowed are {', '.join(SPECS)}")
        self.on_change = on_change
        self.input_dim = input_dim
        self.widgets: dict[str, w.Widget] = {}
        self._muted = False
        self._shown: dict[str, Any] = {}          # exact values last put into the widgets
        for name in names:
            widget = make_widget(name, getattr(config, name))
            widget.observe(self._observer(name), "value")
            self.widgets[name] = widget
        self.implied = lean.html()
        self.implied.add_class("il-implied")     # indented under the sliders
        self.widget = self._layout(names)
        self.show(config)

    def _layout(self, names: list[str]) -> w.Widget:
        def column(group_names):
            rows = []
            for n in group_names:
                rows.append(self.widgets[n])
                if n == "weight_std":
                    rows.append(self.implied)
            return lean.vbox(rows)
        if len(names) < len(SPECS):               # a subset (guided notebooks): one plain column
            return column(names)
        groups = [[n for n in names if FIELDS[n].metadata["group"] == g] for g in GROUPS]
        tab = w.Tab([column(g) for g in groups], layout=lean.layout())
        for i, g in enumerate(GROUPS):
            tab.set_title(i, g)
        return tab

    def _observer(self, name: str) -> Callable[[dict], None]:
        def observe(change: dict) -> None:
            if self._muted or change["new"] != self.widgets[name].value:
                return                            # our own update, or superseded by a later one
            if name in self._shown and same_at_resolution(self.widgets[name],
                                                          self._shown[name], change["new"]):
                return                            # the browser snapping our value to its step
            self._shown.pop(name, None)
            self.on_change(name, kept_value(self.widgets[name], change["new"]))
        return observe

    def show(self, config: Config) -> None:
        """Put config's values into the widgets, grey out what does not apply, update the hint."""
        self._muted = True
        try:
            for name, widget in self.widgets.items():
                value = getattr(config, name)
                if name == "weight_std" and not hand_set(config.init):
                    value = first_layer_std(config, self.input_dim) or value
                if name == "n_classes":           # the slider offers what the data set has
                    widget.max = CLASS_RANGE[config.dataset][1]
                _widen(widget, value)
                _resolve(widget, name, value)
                self._shown[name] = value
                # not when the widget holds what the student sent, only unrounded (0.30001 for
                # 0.3): written back mid-drag, that stale value reached the browser after the
                # handle had moved on, and the slider jumped back (std 1.80 where 10 was dragged)
                if widget.value != value and kept_value(widget, widget.value) != value:
                    widget.value = value
                relevant = RELEVANT.get(name)
                widget.disabled = bool(relevant and not relevant(config))
        finally:
            self._muted = False
        self.implied.value = implied_text(config, self.input_dim)


def hand_set(init: str) -> bool:
    """The scheme's scale is the weight-std slider (gaussian, constant), not the layer sizes."""
    return SCHEMES[init].uses_weight_std


def first_layer_std(config: Config, input_dim: int) -> float:
    """The std of the first layer's weights under config.init (what the slider shows for a
    named scheme); 0 for 'zeros' and 'constant'."""
    return _std(config, config.init, input_dim)


def _std(config: Config, init: str, fan_in: int) -> float:
    """The std `init` gives a hidden layer with this fan-in (every maxout piece counts in the
    fan-out)."""
    act = get_activation(config.activation, leaky_slope=config.leaky_slope,
                         pieces=config.maxout_pieces)
    return implied_std(init, fan_in, config.width * act.fan_out_factor,
                       weight_std=config.weight_std, activation=config.activation,
                       leaky_slope=config.leaky_slope)


def implied_text(config: Config, input_dim: int) -> str:
    """One short line: the std the scheme gives the hidden layers (the first layer's for a
    one-layer net; the slider shows the first layer's) and whether it suits the activation,
    i.e. gives the std of the activation's recommended init (He for the ReLU family, Xavier for
    tanh and sigmoid, LeCun for maxout)."""
    fan_in = config.width if config.depth > 1 else input_dim
    best = ACTIVATIONS[config.activation].recommended_init
    want = _std(config, best, fan_in)
    advice = f"{config.activation} suits {SCHEMES[best].label}"
    if hand_set(config.init):
        text = f"{advice}: std {want:.3g} (fan-in {fan_in})"
    else:
        std = _std(config, config.init, fan_in)
        text = f"{config.init} std {std:.3g} (fan-in {fan_in}); " + (
            f"suits {config.activation}" if math.isclose(std, want, rel_tol=0.02) else advice)
    note = ACTIVATIONS[config.activation].note
    if note:
        text += f"<br>{html.escape(note)}"
    return f"<span style='color:#555;font-size:90%;line-height:1.3'>{text}</span>"


class PaceControls:
    """Play's speed (steps per second, slow motion to as fast as the machine goes) and the step
    where Play stops; they write into `pace` (live.Pace).  `widgets` go in the buttons' box,
    which wraps them onto a row of their own."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace
        # widths and label widths come from the lab's stylesheet (.il-pace, layout.py): the
        # shared layout and style models cost the page nothing more at load
        self.speed = w.SelectionSlider(
            options=[speed_label(s) for s in SPEEDS], value=speed_label(pace.speed),
            description="speed", continuous_update=True,
            tooltip="Training steps per second while playing; max: as fast as the machine goes",
            layout=lean.layout(width="100%"),
            style=lean.style(lean.SliderStyle, description_width=LABEL_WIDTH))
        self.stop = w.BoundedIntText(
            value=pace.stop_at or 0, min=0, max=10**9, description="stop at",
            tooltip="Play pauses when the run reaches this step (0: never)",
            layout=lean.layout(), style=lean.style(lean.DescriptionStyle))
        self.speed.add_class("il-speed")
        self.stop.add_class("il-stop")
        self.speed.observe(self._on_speed, "value")
        self.stop.observe(self._on_stop, "value")
        self.widgets = (self.speed, self.stop)

    def _on_speed(self, change: dict) -> None:
        self.pace.speed = SPEEDS[[speed_label(s) for s in SPEEDS].index(change["new"])]

    def _on_stop(self, change: dict) -> None:
        self.pace.stop_at = int(change["new"]) or None
