"""Named experiments: a Config and the one thing it is meant to show.

The lab offers them in a menu and the README links to them; a teacher can hand out the same
settings as a URL query string (`Preset.query`).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from initlab.core.config import Config

# The lecture's depth experiment: 10 tanh layers of 500 units on a many-featured input.
_DEEP = dict(dataset="digits", n_classes=10, n_samples=600, depth=10, width=500)


@dataclass(frozen=True)
class Preset:
    name: str
    config: Config
    lesson: str

    @property
    def query(self) -> str:
        """The fields that differ from the defaults, as a URL query string."""
        default = Config().to_dict()
        return urlencode({k: v for k, v in self.config.to_dict().items() if default[k] != v})


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("default", Config(),
           "A small ReLU net with He init learns the spiral in a few hundred steps."),
    Preset("small init collapses", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=0.01),
           "N(0, 0.01) weights shrink the activations layer after layer until they are all ~0."),
    Preset("large init saturates", Config(**_DEEP, activation="tanh", init="gaussian",
                                          weight_std=1.0),
           "N(0, 1) weights push every tanh unit to -1 or +1, where its gradient is ~0."),
    Preset("xavier holds tanh", Config(**_DEEP, activation="tanh", init="xavier_normal"),
           "Xavier scales weights by fan-in and fan-out: the tanh activations keep their spread."),
    Preset("xavier shrinks relu", Config(**_DEEP, activation="relu", init="xavier_normal"),
           "ReLU zeroes half its inputs, so under Xavier the spread halves in variance per layer."),
    Preset("he holds relu", Config(**_DEEP, activation="relu", init="he_normal"),
           "He init doubles Xavier's variance to make up for ReLU's half: the spread holds."),
    Preset("batch norm rescues", Config(**_DEEP, activation="tanh", init="gaussian",
                                        weight_std=0.01, norm="batch"),
           "The same tiny init as 'small init collapses', but batch norm restores unit spread."),
    Preset("dead relus", Config(dataset="spiral", depth=2, width=64, optimizer="sgd", lr=3.0,
                                momentum=0.9, grad_clip=5.0),
           "Press play: a learning rate far too high knocks ReLU units off the data cloud for good."),
    Preset("learning rate too high", Config(optimizer="sgd", lr=50.0, momentum=0.0),
           "Press play: the loss explodes within a few steps and the run stops as diverged."),
    Preset("learning rate too low", Config(optimizer="sgd", lr=1e-5, momentum=0.0),
           "Press play: the loss barely moves; the update/weight ratio sits far below 1e-3."),
    Preset("deep sigmoid vanishes", Config(depth=12, width=64, activation="sigmoid",
                                           init="xavier_normal", optimizer="sgd", lr=0.1),
           "Gradients shrink layer by layer going back: the first layers hardly learn."),
    Preset("residual keeps gradients", Config(depth=12, width=64, activation="sigmoid",
                                              init="xavier_normal", optimizer="sgd", lr=0.1,
                                              residual=True),
           "Skip connections give the gradient a path around every layer."),
]}
