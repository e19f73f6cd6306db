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


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("default", Config(),
           "A small ReLU net with He init learns the spiral in a few hundred steps."),
    Preset("small init collapses", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=0.01),
           "N(0, 0.01) weights shrink the activations layer after layer until they are all ~0.",
           compare=dict(init="xavier_normal")),
    Preset("large init saturates", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=1.0),
           "N(0, 1) weights push every tanh unit to -1 or +1, where its gradient is ~0.",
           compare=dict(init="xavier_normal")),
    Preset("xavier holds tanh", Config(**_DEEP, activation="tanh", init="xavier_normal"),
           "Xavier scales weights by fan-in and fan-out: the tanh activations keep their spread."),
    Preset("xavier shrinks relu", Config(**_DEEP, activation="relu", init="xavier_normal"),
           "ReLU zeroes half its inputs, so under Xavier the spread halves in variance per layer.",
           compare=dict(init="he_normal")),
    Preset("he holds relu", Config(**_DEEP, activation="relu", init="he_normal"),
           "He init doubles Xavier's variance to make up for ReLU's half: the spread holds."),
    Preset("batch norm rescues", Config(**_DEEP, activation="tanh", init="gaussian",
                                        weight_std=0.01, norm="batch"),
           "The same tiny init as 'small init collapses', but batch norm restores unit spread.",
           compare=dict(norm="none")),
    Preset("dead relus", Config(dataset="spiral", depth=2, width=64, optimizer="sgd", lr=3.0,
                                momentum=0.9, grad_clip=5.0),
           "Press play: a learning rate far too high knocks ReLU units off the data cloud for "
           "good.",
           compare=dict(activation="leaky_relu")),
    Preset("learning rate too high", Config(optimizer="sgd", lr=50.0, momentum=0.0),
           "Press play: the loss explodes within a few steps and the run stops as diverged."),
    Preset("learning rate too low", Config(optimizer="sgd", lr=1e-5, momentum=0.0),
           "Press play: the loss barely moves; the update/weight ratio sits far below 1e-3."),
    Preset("deep sigmoid vanishes", Config(depth=12, width=64, activation="sigmoid",
                                           init="xavier_normal", optimizer="sgd", lr=0.1),
           "Gradients shrink layer by layer going back: the first layers hardly learn.",
           compare=dict(residual=True)),
    Preset("residual keeps gradients", Config(depth=12, width=64, activation="sigmoid",
                                              init="xavier_normal", optimizer="sgd", lr=0.1,
                                              residual=True),
           "Skip connections give the gradient a path around every layer."),
]}
