"""Named experiments: a Config and the one thing it is meant to show.

The lab offers them in a menu and the README links to them; a teacher can hand out the same
settings as a URL query string (`Preset.query`).  The lecture's comparisons also name run B
(`Preset.compare`: the fields B changes), so compare mode can open with both runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from initlab.core.config import Config

# The lecture's depth experiment: 10 layers of 500 units on a many-featured input.  Adam at lr
# 1e-3, because at its default 0.01 Play broke these nets (measured: He/ReLU diverged at step 1,
# Xavier/tanh saturated to 31% validation accuracy in 100 steps; at 1e-3 both reach 92%).
_DEEP = dict(dataset="digits", n_classes=10, n_samples=600, depth=10, width=500, lr=1e-3)


@dataclass(frozen=True)
class Preset:
    name: str
    config: Config
    lesson: str
    compare: dict[str, Any] | None = field(default=None)   # run B = config with these changes

    @property
    def query(self) -> str:
        """The fields that differ from the defaults, as a URL query string (run A only)."""
        from initlab.core.links import to_query
        return to_query(self.config)

    @property
    def compare_config(self) -> Config | None:
        """Run B of the lecture's comparison, or None."""
        return None if self.compare is None else self.config.replace(**self.compare)

    @property
    def compare_query(self) -> str:
        """Both runs as a link (see initlab.core.links): B's fields with a 'b.' prefix."""
        from initlab.core.links import to_query
        return to_query(self.config, self.compare_config)


# Every comparison puts the problem in A and the fix in B (the lab opens showing A); each lesson
# says only what tests/unit/test_experiments.py measures on seeds 0-4.  The deep (10 x 500)
# lessons speak of step 0, the picture a student sees first: training those nets takes minutes.
_SIGMOID = dict(depth=12, width=64, activation="sigmoid", init="xavier_normal", optimizer="sgd",
                lr=0.1)
# 12 tanh layers whose N(0, 0.05) weights shrink the signal x0.4 a layer: no mean drift (tanh is
# zero-centred), so adding each block's input back keeps the loss at ln C from the start.  (With
# sigmoid, every skip adds ~0.5 and the loss starts at 5-14x ln C.)
_SHRINKING = dict(depth=12, width=64, activation="tanh", init="gaussian", weight_std=0.05,
                  optimizer="sgd", lr=0.1)
_DEAD = dict(dataset="spiral", depth=2, width=64, optimizer="sgd", momentum=0.9, grad_clip=5.0)

PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("default", Config(),
           "A small ReLU net with He init learns the spiral in a few hundred steps."),
    Preset("small init collapses", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=0.01),
           "A: N(0, 0.01) weights shrink the tanh activations about 4.5x per layer: by the tenth "
           "they are all ~0, and the gradient flowing back shrinks the same way. B: Xavier keeps "
           "their spread.",
           compare=dict(init="xavier_normal")),
    Preset("large init saturates", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=1.0),
           "A: N(0, 1) weights push over 90% of the tanh units from layer 2 on to -1 or +1, "
           "where their slope is ~0. Yet the gradient explodes rather than vanishes: the weights "
           "are ~22x Xavier's, and the few unsaturated units multiply it on its way down (the "
           "first layer's weight gradient is over 10,000x the last's). B: Xavier keeps the "
           "units unsaturated.",
           compare=dict(init="xavier_normal")),
    Preset("xavier holds tanh", Config(**_DEEP, activation="tanh", init="xavier_normal"),
           "Xavier scales weights by fan-in and fan-out: the tanh activations shrink only a few "
           "percent per layer, none saturate, and the tenth layer keeps half the first's spread."),
    Preset("xavier shrinks relu", Config(**_DEEP, activation="relu", init="xavier_normal"),
           "A: ReLU zeroes half its inputs, so under Xavier the variance halves per layer (the "
           "std x0.7): the tenth layer keeps 4% of the first's spread. B: He init doubles the "
           "variance and the spread holds.",
           compare=dict(init="he_normal")),
    Preset("he holds relu", Config(**_DEEP, activation="relu", init="he_normal"),
           "He init (variance 2 / fan-in: twice Xavier's on these square layers) makes up for "
           "ReLU's half: the spread holds."),
    Preset("batch norm rescues", Config(**_DEEP, activation="tanh", init="gaussian",
                                        weight_std=0.01),
           "A: the tiny init of 'small init collapses'. B: the same weights with batch norm "
           "before each tanh: every layer gets unit-variance inputs back, and the activations "
           "keep the same spread at every depth.",
           compare=dict(norm="batch")),
    Preset("dead relus", Config(**_DEAD, lr=3.0),
           "Press play. A: SGD at learning rate 3 knocks most ReLU units off the data cloud "
           "within a few hundred steps; they get no gradient and rarely come back, and the net "
           "stays far from the spiral. B: at 0.3 almost every unit stays alive and it learns.",
           compare=dict(lr=0.3)),
    Preset("learning rate too high", Config(optimizer="sgd", lr=50.0, momentum=0.0),
           "Press play: the second step's loss is thousands of times the first's and the run "
           "stops as diverged."),
    Preset("learning rate too low", Config(optimizer="sgd", lr=1e-5, momentum=0.0),
           "Press play: the loss falls by under 3% in 300 steps; the update/weight ratio sits "
           "near 1e-6, a thousand times below the ~1e-3 rule of thumb."),
    Preset("deep sigmoid vanishes", Config(**_SIGMOID),
           "A: sigmoid's slope is at most 1/4, so the gradient shrinks at every layer going "
           "back: the first layer gets under a millionth of the last's and the net stays at "
           "chance. B: ReLU with He init passes it through, and the net learns.",
           compare=dict(activation="relu", init="he_normal")),
    Preset("residual keeps gradients", Config(**_SHRINKING),
           "A: 12 tanh layers with N(0, 0.05) weights shrink the signal, and the gradient "
           "flowing back, at every layer: the net stays at chance. B: skip connections add each "
           "layer's input back, so both reach every layer and the net learns.",
           compare=dict(residual=True)),
]}
