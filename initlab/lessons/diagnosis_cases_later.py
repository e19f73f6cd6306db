"""The assistant's exam, fourth round on (initlab/lessons/diagnosis_cases.py has the first three
and says how a row is read): each set written down before the assistant was run on it."""
from __future__ import annotations

from .exam import Case

LATER: tuple[Case, ...] = (
    # ---- a fourth round, written before the assistant was run on it ---------------------------
    Case("Adam lr 0.1", "learning rate", dict(lr=0.1), 300,
         "Ten times the usual Adam rate, yet the spiral is fitted by step 300 and Adam's steps "
         "shrink with the gradient: nothing to fix now.",
         allowed=("dead_units",),
         corrected="written as 'update ratio high'; on seeds 0-4 the run fits the spiral by "
         "step 300 (val 0.99-1.0, loss under 2e-4) and the median recent update ratio over "
         "its layers is 1e-4 or less, so there is nothing left to warn about."),
    Case("He uniform relu depth 20", "init", dict(init="he_uniform", depth=20), 0,
         "He uniform has He normal's variance: 20 layers start healthy."),
    Case("Xavier uniform tanh depth 10", "init",
         dict(activation="tanh", init="xavier_uniform", depth=10), 0,
         "Xavier keeps tanh's activations and gradients steady over 10 layers: healthy."),
    Case("tanh N(0,0.05) depth 10", "init",
         dict(activation="tanh", init="gaussian", weight_std=0.05, depth=10), 0,
         "0.05 is 0.4x Xavier's 1/8 for fan-in 64: every layer shrinks the signal by about "
         "0.4, so after 10 the gradient has all but vanished. Use Xavier.",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    Case("batch norm, N(0,1) relu depth 10", "normalisation",
         dict(norm="batch", init="gaussian", weight_std=1.0, depth=10), 0,
         "Batch norm rescales every hidden layer, but the output layer has no norm after it: "
         "N(0,1) weights there make the scores huge and the first loss many times ln C. He "
         "init would start at ln C, though batch norm recovers within the first steps.",
         expect=("initial_loss",),
         corrected="written with He init as the fix; the unfixed run fits the spiral within 30 "
         "steps (val 0.99-1.0 on seeds 0-4) and He is worse there on 2 of them, so the "
         "assistant names the cause and offers no button."),
    Case("momentum 0.99 lr 0.1", "optimiser", dict(optimizer="momentum", momentum=0.99, lr=0.1),
         300,
         "Momentum 0.99 multiplies the step by up to 100: at lr 0.1 that is a rate of 10, and "
         "the run blows up. Lower the learning rate (or the momentum).",
         expect=("diverged|update_ratio_high",), allowed=("dead_units", "loss_flat"),
         ta_fix=("lr", "momentum")),
    Case("SGD clipped by value at 1e-4", "optimiser",
         dict(optimizer="sgd", lr=0.1, grad_clip=1e-4, clip_mode="value"), 300,
         "The clip cuts every gradient entry to 1e-4, so every step is tiny whatever the "
         "learning rate: clipping is for outliers. Raise the clip threshold.",
         expect=("update_ratio_low|loss_flat",), allowed=("loss_flat", "update_ratio_low"),
         ta_fix=("grad_clip",)),
    Case("dropout 0.5 at step 0", "regularisation", dict(dropout=0.5), 0,
         "Dropout changes nothing about the start: healthy."),
    Case("maxout Xavier depth 6", "activation",
         dict(activation="maxout", init="xavier_normal", depth=6), 0,
         "The max of two unit-variance pieces keeps about unit variance: Xavier suits maxout, "
         "healthy over 6 layers."),
    Case("blobs, 8 classes at step 0", "data", dict(dataset="blobs", n_classes=8), 0,
         "Healthy start: the loss is about ln 8, not ln 3."),
    Case("float32", "data", dict(dtype="float32"), 300,
         "Single precision trains the default net as well as double: healthy.",
         allowed=("dead_units",)),
    Case("zero init with batch norm", "normalisation", dict(init="zeros", norm="batch"), 0,
         "Batch norm cannot break symmetry: all-zero weights give identical units, and "
         "normalising identical units leaves them identical. Use He init.",
         expect=("symmetry",), allowed=("vanishing_gradients",), ta_fix=("init",)),
    Case("leaky relu slope 0.3", "activation", dict(activation="leaky_relu", leaky_slope=0.3),
         300, "A steeper leak trains the spiral as well: healthy."),
    Case("Nesterov lr 1", "optimiser", dict(optimizer="nesterov", lr=1.0), 100,
         "Nesterov at lr 1 with momentum 0.9 is a step 10x too long: the loss explodes. "
         "Lower the learning rate.",
         expect=("diverged|update_ratio_high",), allowed=("dead_units", "loss_flat"),
         ta_fix=("lr",)),
    Case("width 8", "capacity", dict(width=8), 300,
         "Eight units per layer still fit the 3-arm spiral by step 300: nothing to say.",
         allowed=("dead_units",)),
    Case("dropout 0.5 on digits", "regularisation",
         dict(dataset="digits", n_classes=10, dropout=0.5), 300,
         "Half the units dropped still fits the digits: healthy."),
    Case("L2 1e-2", "regularisation", dict(l2=0.01), 300,
         "A moderate penalty: the spiral is still fitted. Nothing to say.",
         allowed=("dead_units",)),
    # ---- a fifth round, written before the assistant was run on it ----------------------------
    Case("sigmoid He depth 10", "activation", dict(activation="sigmoid", depth=10), 0,
         "Sigmoid's slope is at most 1/4: ten layers of it starve the first layers of gradient "
         "whatever the init, and Xavier (sigmoid's own) is smaller than He, so no help. Use "
         "ReLU, or batch norm.",
         expect=("vanishing_gradients",), allowed=("saturation",),
         ta_fix=("activation", "norm", "residual"),
         corrected="written with ReLU or batch norm as the fix; skip connections, which the "
         "assistant offers, fit the spiral on all of seeds 0-4 as well (val 0.95-1.0, against "
         "0.33-0.47 unfixed), so the row accepts them."),
    Case("GELU He depth 20", "activation", dict(activation="gelu", depth=20), 0,
         "GELU is close enough to ReLU for He init: 20 layers start healthy."),
    Case("ELU N(0,0.01) depth 10", "init",
         dict(activation="elu", init="gaussian", weight_std=0.01, depth=10), 0,
         "0.01 is far below He's 0.18 for fan-in 64: the signal shrinks tenfold per layer and "
         "the gradient vanishes. Use He.",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    Case("noisy moons", "data", dict(dataset="moons", n_classes=2, noise=0.4), 300,
         "Noisy data caps the accuracy; that is not a training problem. Nothing to say.",
         allowed=("dead_units",)),
    Case("noisy circles", "data", dict(dataset="circles", n_classes=2, noise=0.3), 300,
         "The same for circles: nothing to say.", allowed=("dead_units",)),
    Case("width 512", "capacity", dict(width=512), 300,
         "A wide net fits the spiral as well: nothing to say.", allowed=("dead_units",)),
    Case("maxout, 4 pieces", "activation", dict(activation="maxout", maxout_pieces=4), 300,
         "Four pieces fit the spiral: healthy after 300 steps (a note about the start, no "
         "button, is fine)."),
    Case("batch norm momentum 0", "normalisation", dict(norm="batch", bn_momentum=0.0), 300,
         "Test time uses the last batch's statistics alone: noisier, but the spiral is fitted. "
         "Nothing to say.", allowed=("dead_units",)),
    Case("Adam, clip at norm 0.1", "optimiser", dict(grad_clip=0.1), 300,
         "Adam divides out the gradient's size, so even a tight norm clip leaves its steps "
         "alone: healthy.", allowed=("dead_units",)),
    Case("momentum clipped at norm 0.01", "optimiser",
         dict(optimizer="momentum", lr=0.01, grad_clip=0.01), 300,
         "The norm clip keeps every step tiny: with momentum the step follows the gradient's "
         "size. Raise the clip threshold.",
         expect=("update_ratio_low|loss_flat",), allowed=("loss_flat", "update_ratio_low"),
         ta_fix=("grad_clip",)),
    Case("SGD lr 0.1, clip at norm 1", "optimiser", dict(optimizer="sgd", lr=0.1, grad_clip=1.0),
         300, "A clip that only catches outliers: healthy.", allowed=("dead_units",)),
    Case("exponential decay too fast", "learning rate",
         dict(optimizer="sgd", lr=0.1, lr_schedule="exponential", lr_decay=0.5, decay_steps=10),
         300,
         "Halving every 10 steps leaves lr 1e-10 by step 300, long before the spiral is "
         "fitted: the schedule is spent. Keep the rate constant or decay it slowly.",
         expect=("lr_decayed",), allowed=("update_ratio_low", "loss_flat"),
         ta_fix=("lr_schedule",)),
    # ---- a sixth round, written before the assistant was run on it ----------------------------
    Case("spiral, 5 classes", "data", dict(n_classes=5), 300,
         "A harder spiral, still fitted by step 300: nothing to say.", allowed=("dead_units",)),
    Case("digits, depth 6 width 32", "data",
         dict(dataset="digits", n_classes=10, depth=6, width=32), 300,
         "A narrow deep net learns the digits: healthy.", allowed=("dead_units",)),
    Case("xor, default net", "data", dict(dataset="xor", n_classes=2), 300,
         "XOR needs the hidden layer and gets it: healthy.", allowed=("dead_units",)),
    Case("cosine cycles of 100", "learning rate", dict(lr_schedule="cosine", decay_steps=100),
         300, "The rate falls to near 0 at each cycle's end, but the spiral is learned by "
         "then: not a spent schedule.", allowed=("dead_units",)),
    Case("inverse-time decay", "learning rate", dict(lr_schedule="inverse_time"), 300,
         "A gentle decay: healthy.", allowed=("dead_units",)),
    Case("L1 1e-3", "regularisation", dict(l1=0.001), 300,
         "A light L1 penalty: healthy.", allowed=("dead_units",)),
    Case("spiral, 100 samples, width 256", "regularisation", dict(n_samples=100, width=256), 1000,
         "Nothing to say on this seed: the wide net generalises from 80 examples.",
         allowed=("dead_units", "overfitting"),
         corrected="written as 'overfitting'; on seed 0 the net gets all 20 validation examples "
         "right with a validation loss near 0 after 1000 steps. On seeds 1, 2 and 4 the "
         "validation loss rises from its minimum while accuracy stays 0.90-0.95: with 20 "
         "validation examples that is too little to call either way, so the row allows it."),
    Case("batch norm + skip connections, depth 10", "normalisation",
         dict(norm="batch", residual=True, depth=10), 0,
         "Each normalised branch adds unit variance to the sum, so the scores start a little "
         "large; a note about the first loss is fair, and no alarm about the gradients.",
         allowed=("initial_loss",)),
    # ---- from the sanity-check exam (its helper's report), written before the rule changed ---
    Case("L2 1.0 after 20 steps", "regularisation", dict(l2=1.0), 20,
         "The penalty is nearly all of the loss: every step drags the weights towards 0, so "
         "they are tiny for Adam's steps and the ratio is far above 1e-3. The cure is a "
         "smaller L2, not a smaller rate.",
         expect=("update_ratio_high",), allowed=("dead_units",), ta_fix=("l2",)),
    Case("L1 0.1 after 20 steps", "regularisation", dict(l1=0.1), 20,
         "The same with L1: lower the penalty.",
         expect=("update_ratio_high",), allowed=("dead_units",), ta_fix=("l1",)),
    # ---- a seventh round, written before the assistant was run on it --------------------------
    Case("dropout 0.5 with batch norm", "regularisation", dict(dropout=0.5, norm="batch"), 300,
         "The two together still fit the spiral: nothing to say.", allowed=("dead_units",)),
    Case("GELU N(0,1) depth 6", "init",
         dict(activation="gelu", init="gaussian", weight_std=1.0, depth=6), 0,
         "Weights 8x He's: the scores are huge at the start and the gradient grows towards the "
         "first layer. Use He.",
         expect=("initial_loss",), allowed=("exploding_gradients",), ta_fix=("init",),
         train=30),
    Case("leaky ReLU N(0,0.01) depth 8", "init",
         dict(activation="leaky_relu", init="gaussian", weight_std=0.01, depth=8), 0,
         "The leak keeps units alive but not the signal: 0.01 is far below He, and the gradient "
         "vanishes. Use He.",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    Case("Adam lr 1", "learning rate", dict(lr=1.0), 100,
         "A hundred times Adam's usual rate: the loss blows up. Lower it.",
         expect=("diverged|update_ratio_high",), allowed=("dead_units", "loss_flat"),
         ta_fix=("lr",)),
    Case("RMSProp lr 0.1", "optimiser", dict(optimizer="rmsprop", lr=0.1), 100,
         "RMSProp's first steps are lr / sqrt(1 - decay), some 3x lr: at 0.1 the run blows up. "
         "Lower the rate.",
         expect=("diverged|update_ratio_high",), allowed=("dead_units", "loss_flat"),
         ta_fix=("lr",)),
    Case("ELU He depth 10", "activation", dict(activation="elu", depth=10), 0,
         "He suits ELU well enough for 10 layers: healthy."),
    Case("tanh orthogonal depth 10", "init", dict(activation="tanh", init="orthogonal", depth=10),
         0, "Orthogonal weights keep tanh's signal over 10 layers: healthy."),
    Case("maxout LeCun depth 10", "activation",
         dict(activation="maxout", init="lecun", depth=10), 0,
         "LeCun keeps maxout's spread (2 pieces): healthy over 10 layers."),
    # ---- the final read's TA check, written before asking the lab -----------------------------
    Case("momentum lr 0.3", "optimiser", dict(optimizer="momentum", lr=0.3), 100,
         "With momentum 0.9 the step is up to 10x lr, a rate of 3: the loss blows up, or the "
         "big steps knock ReLUs off the data for good. Lower the learning rate. Train and "
         "validation accuracy stay level: no overfitting.",
         expect=("diverged|dead_units|update_ratio_high",),
         allowed=("diverged", "dead_units", "update_ratio_high", "loss_flat"), ta_fix=("lr",),
         corrected="written as 'diverged'; on seed 0 the loss does not blow up, 66% of layer "
                   "2's units die instead. The assistant also called it overfitting (the "
                   "validation loss rose with the training loss): a false alarm, now gone."),
)
