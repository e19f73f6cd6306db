"""The assistant's exam: configurations whose diagnosis a CS231n TA knows, written down first.

Each Case is one row of docs/diagnosis.md.  `expect` are the finding codes a TA would raise as a
warning or problem after `at` steps, `allowed` codes that are also true of the run (a symptom of
the same cause) and may be raised, `ta_fix` the knobs a TA would turn (empty: nothing to fix).
Everything else the assistant raises as a warning or problem is a false alarm.  An expected code
"a|b" is met by either.  `corrected` says where the row as first written (before the assistant
was run) was wrong about the run itself, and what the run showed.

The rows of the fourth and later rounds are in diagnosis_cases_later.py; initlab/lessons/exam.py
holds the Case record and runs a row.  tests/unit/test_diagnosis_cases.py checks every row
(findings at `at` on seed 0; every fix the assistant offers is applied, trained `train` steps
and must beat the unfixed run on at least 4 of seeds 0-4); tools/diagnosis_table.py writes
docs/diagnosis.md from this table and from what the assistant says, so the document cannot
drift from the code.
"""
from __future__ import annotations

from .diagnosis_cases_later import LATER
from .exam import Case

SGD = dict(optimizer="sgd")

FIRST: tuple[Case, ...] = (
    # ---- init --------------------------------------------------------------------------------
    Case("default", "init", {}, 300,
         "Healthy: He init for ReLU, Adam at 0.01; nothing to say."),
    Case("default at step 0", "init", {}, 0,
         "Healthy start: loss about ln 3, activations spread, gradients even across depth."),
    Case("zero init relu", "init", dict(init="zeros"), 300,
         "Zero init: every unit of a layer computes the same thing and gets the same update, "
         "so the layer never becomes more than one unit (symmetry). Use He init.",
         expect=("symmetry",), allowed=("dead_units", "loss_flat", "vanishing_gradients"),
         ta_fix=("init",)),
    Case("zero init tanh at step 0", "init", dict(activation="tanh", init="zeros"), 0,
         "Symmetry again, visible before any step: all units of a layer are identical. "
         "Use Xavier init.",
         expect=("symmetry",), allowed=("vanishing_gradients",), ta_fix=("init",)),
    Case("constant init relu", "init", dict(init="constant", weight_std=0.05), 0,
         "Constant weights: identical units, the symmetry is never broken. Use He init.",
         expect=("symmetry",), ta_fix=("init",)),
    Case("constant init tanh trained", "init",
         dict(activation="tanh", init="constant", weight_std=0.1), 300,
         "Still symmetric after training: the units of a layer moved together. Use Xavier.",
         expect=("symmetry",), allowed=("loss_flat", "saturation"), ta_fix=("init",)),
    Case("N(0,1) relu", "init", dict(init="gaussian", weight_std=1.0), 0,
         "Weights far too large for fan-in 64: the first loss is many times ln C. Use He (it "
         "pays in the first steps: Adam recovers from this start within ~100).",
         expect=("initial_loss",), allowed=("exploding_gradients",), ta_fix=("init",),
         train=30),
    Case("N(0,0.01) deep tanh", "init",
         dict(activation="tanh", init="gaussian", weight_std=0.01, depth=8, width=128), 0,
         "Tiny weights: activations shrink layer after layer and the gradient vanishes before "
         "it reaches the first layers. Use Xavier.",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    Case("N(0,1) wide tanh", "init",
         dict(activation="tanh", init="gaussian", weight_std=1.0, depth=6, width=256), 0,
         "Huge weights: tanh units sit at +-1 (saturated) and the first loss is huge. Use "
         "Xavier.",
         expect=("saturation", "initial_loss"), allowed=("exploding_gradients",),
         ta_fix=("init",)),
    Case("Xavier relu depth 20", "init", dict(init="xavier_normal", depth=20), 0,
         "Xavier assumes a unit slope; ReLU halves the variance each layer, so after 20 layers "
         "the signal and its gradient have faded. He init is the fix (batch norm also works).",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    Case("He relu depth 20", "init", dict(depth=20), 0,
         "He init keeps a 20-layer ReLU net's signal at one scale: healthy (a few units may be "
         "off at the start, which is normal).",
         allowed=()),
    Case("He relu depth 20 trained", "init", dict(depth=20), 300,
         "Trains to ~100%: nothing to fix."),
    Case("LeCun tanh", "init", dict(activation="tanh", init="lecun", depth=4), 300,
         "LeCun init suits tanh: healthy."),
    Case("orthogonal relu", "init", dict(init="orthogonal"), 300, "Healthy."),
    Case("N(0,0.1) relu shallow", "init", dict(init="gaussian", weight_std=0.1), 300,
         "0.1 is close to He's 0.18 at width 64: a hand-picked scale that happens to be fine."),
    Case("N(0,0.001) relu depth 6", "init", dict(init="gaussian", weight_std=0.001, depth=6),
         0, "Tiny weights in 6 layers: the signal and the gradient vanish. Use He.",
         expect=("vanishing_gradients",), ta_fix=("init",)),
    # ---- activations -------------------------------------------------------------------------
    Case("sigmoid depth 12", "activation", dict(activation="sigmoid", init="xavier_normal",
                                                depth=12), 0,
         "Sigmoid's slope is at most 1/4: twelve layers shrink the gradient ~1e-7x. Use ReLU "
         "(or skip connections / batch norm).",
         expect=("vanishing_gradients",), ta_fix=("activation", "residual", "norm")),
    Case("sigmoid shallow", "activation", dict(activation="sigmoid", init="xavier_normal",
                                               depth=2), 300,
         "Two sigmoid layers with Adam train fine; some saturation once learned is normal.",
         allowed=()),
    Case("tanh Xavier", "activation", dict(activation="tanh", init="xavier_normal"), 300,
         "Healthy."),
    Case("tanh He", "activation", dict(activation="tanh", init="he_normal"), 300,
         "He (std sqrt(2/fan_in)) is a bit large for tanh but three layers train fine."),
    Case("leaky relu", "activation", dict(activation="leaky_relu"), 300, "Healthy."),
    Case("ELU", "activation", dict(activation="elu"), 300, "Healthy."),
    Case("GELU He depth 10", "activation", dict(activation="gelu", depth=10), 0,
         "GELU with He init at depth 10 keeps its signal: healthy start."),
    Case("maxout", "activation", dict(activation="maxout"), 300, "Healthy."),
    Case("relu lr too high kills units", "activation",
         dict(SGD, lr=2.0, grad_clip=5.0, width=32), 300,
         "Too large SGD steps knock ReLUs off the data for good: dead units; lower the "
         "learning rate.",
         expect=("dead_units",), allowed=("update_ratio_high", "loss_flat",
                                          "vanishing_gradients"), ta_fix=("lr",)),
    # ---- normalisation -----------------------------------------------------------------------
    Case("batch norm rescues small init", "normalisation",
         dict(norm="batch", init="gaussian", weight_std=0.01, depth=6), 300,
         "Batch norm re-scales every layer: the small init no longer matters. Healthy."),
    Case("batch norm batch 2", "normalisation", dict(norm="batch", batch_size=2), 300,
         "Batch statistics from 2 examples are noise: raise the batch size or use layer norm.",
         expect=("small_batch_norm",), allowed=("loss_flat",), ta_fix=("batch_size", "norm")),
    Case("layer norm batch 2", "normalisation", dict(norm="layer", batch_size=2), 300,
         "Layer norm needs no batch: a small batch is only noisier SGD."),
    Case("batch norm deep relu", "normalisation", dict(norm="batch", depth=10), 300,
         "Healthy."),
    Case("layer norm Xavier relu depth 20", "normalisation",
         dict(norm="layer", init="xavier_normal", depth=20), 0,
         "Layer norm restores each layer's scale, so Xavier's shrinking is undone: a healthy "
         "start.",
         corrected="written for 300 steps; trained that long with Adam at 0.01 this net fails "
         "(33% on seeds 0-2, dead layers; lr 1e-3 reaches 100%), so the claim is about the start."),
    # ---- regularisation ----------------------------------------------------------------------
    Case("dropout 0.9", "regularisation", dict(dropout=0.9), 300,
         "Nine units in ten dropped: the net cannot even fit the training set. Lower dropout.",
         expect=("over_regularised",), allowed=("loss_flat",), ta_fix=("dropout",)),
    Case("L2 1.0", "regularisation", dict(l2=1.0), 300,
         "The penalty dominates the loss and squeezes the weights to ~0: train accuracy is "
         "low. Lower L2.",
         expect=("over_regularised",), allowed=("loss_flat", "dead_units"), ta_fix=("l2",)),
    Case("L1 0.1", "regularisation", dict(l1=0.1), 300,
         "An L1 penalty this strong zeroes most weights: underfitting. Lower L1.",
         expect=("over_regularised",), allowed=("loss_flat", "dead_units"), ta_fix=("l1",)),
    Case("L2 0.1 at step 0", "regularisation", dict(l2=0.1), 0,
         "The total loss is above ln C because the penalty adds to it; the data loss is ln C. "
         "That is what the sanity check expects: nothing wrong with the init."),
    Case("dropout 0.2", "regularisation", dict(dropout=0.2), 300, "Healthy."),
    Case("L2 1e-3", "regularisation", dict(l2=1e-3), 300, "Healthy."),
    Case("few noisy moons, wide net", "regularisation",
         dict(dataset="moons", n_classes=2, noise=0.4, n_samples=60, width=256, depth=4), 500,
         "Moons is easy enough that 48 noisy training points still give the shape: no gap on "
         "seed 0 (other seeds may show one, then overfitting is true).",
         allowed=("overfitting",),
         corrected="written as 'the net memorises them: overfitting, regularise'; seed 0 ends "
         "at 100% training and 100% validation accuracy (seed 1: 83%, a real gap)."),
    Case("digits, 150 samples", "regularisation",
         dict(dataset="digits", n_classes=10, n_samples=150, width=256), 400,
         "120 training images for 10 classes: training accuracy 100%, validation well below. "
         "Regularise or get more data.",
         expect=("overfitting",), ta_fix=("l2", "dropout", "n_samples")),
    # ---- learning rate -----------------------------------------------------------------------
    Case("SGD lr 1e-3", "learning rate", dict(SGD, lr=1e-3), 300,
         "Updates about 1e-5 of the weights per step, far below ~1e-3: raise the learning rate.",
         expect=("update_ratio_low",), allowed=("loss_flat",), ta_fix=("lr",)),
    Case("Adam lr 1e-5", "learning rate", dict(lr=1e-5), 300,
         "Adam's steps are about lr: 1e-5 barely moves the weights. Raise the learning rate.",
         expect=("update_ratio_low",), allowed=("loss_flat",), ta_fix=("lr",)),
    Case("Adam lr 0.3", "learning rate", dict(lr=0.3), 100,
         "Steps of ~0.3 per weight overshoot: lower the learning rate.",
         expect=("update_ratio_high|diverged",), allowed=("dead_units", "loss_flat"),
         ta_fix=("lr",),
         corrected="written as update ratio high only; on seed 0 the run diverges within 100 "
         "steps, which a TA would name first."),
    Case("momentum lr 5 diverges", "learning rate", dict(optimizer="momentum", lr=5.0), 50,
         "The loss explodes: lower the learning rate.",
         expect=("diverged",), ta_fix=("lr", "grad_clip")),
    Case("SGD lr 5 clipped", "learning rate", dict(SGD, lr=5.0, grad_clip=1.0), 300,
         "Clipping keeps it finite but each step is far too big and kills the units: lower the "
         "learning rate; never raise it.",
         expect=("dead_units",), allowed=("update_ratio_high", "loss_flat",
                                          "vanishing_gradients"), ta_fix=("lr",),
         corrected="written as update ratio high; after 300 steps the units are dead and the "
         "weights no longer move, so the ratio is not high any more: dead units is the finding."),
    Case("momentum lr 0.1", "learning rate", dict(optimizer="momentum", lr=0.1), 300,
         "Healthy."),
    Case("step schedule", "learning rate", dict(lr_schedule="step", decay_steps=100), 300,
         "Healthy: the decaying learning rate shrinks the late updates on purpose."),
    # ---- optimisers --------------------------------------------------------------------------
    Case("RMSProp 1e-3", "optimiser", dict(optimizer="rmsprop", lr=1e-3), 300, "Healthy."),
    Case("Adagrad 1e-3", "optimiser", dict(optimizer="adagrad", lr=1e-3), 300,
         "Adagrad's steps shrink as its cache grows; at lr 1e-3 they are far too small. Raise "
         "the learning rate.",
         expect=("update_ratio_low",), allowed=("loss_flat",), ta_fix=("lr",)),
    Case("Nesterov 0.05", "optimiser", dict(optimizer="nesterov", lr=0.05), 300, "Healthy."),
    Case("momentum lr 1e-4", "optimiser", dict(optimizer="momentum", lr=1e-4), 300,
         "Even with momentum (10x effective step), 1e-4 is too small: raise the learning rate.",
         expect=("update_ratio_low",), allowed=("loss_flat",), ta_fix=("lr",)),
    # ---- data --------------------------------------------------------------------------------
    Case("digits", "data", dict(dataset="digits", n_classes=10), 300, "Healthy."),
    Case("circles", "data", dict(dataset="circles", n_classes=2), 300, "Healthy."),
    Case("xor", "data", dict(dataset="xor", n_classes=2), 300, "Healthy."),
    Case("digits not preprocessed", "data",
         dict(dataset="digits", n_classes=10, preprocessing="none"), 0,
         "Pixels not centred: all-positive inputs, but at most 1 each, so the first scores stay "
         "small and the loss starts at about ln 10: nothing to flag at the start.",
         corrected="written as 'raw pixels 0..16: the loss starts far above ln 10, standardise'; "
         "this lab's digits are pixel counts / 16, in [0, 1], and the loss starts at 1.0 x ln 10 "
         "(seeds 0-2)."),
    # ---- batch size --------------------------------------------------------------------------
    Case("batch 8", "batch size", dict(batch_size=8), 300, "Healthy (noisier, still fine)."),
    Case("full batch", "batch size", dict(batch_size=480), 300,
         "Full-batch Adam: smooth and healthy."),
    # ---- a third set, written on 2026-12-07 before any of it was run ---------------------------
    # Run once against the assistant as it was: 11 of 13 right.  The two misses ("linear net on
    # spiral", "step decay too fast": nothing said) became the rules linear_net and lr_decayed
    # (diagnose/choices.py); "linear net on blobs" was added with them, as their healthy side.
    Case("N(0,0.5) relu depth 10", "init",
         dict(init="gaussian", weight_std=0.5, depth=10, width=128), 0,
         "std 0.5 is 4x He's 0.125 at fan-in 128: the signal grows 4x per layer and the first "
         "loss is far above ln C. Use He.",
         expect=("initial_loss",), allowed=("exploding_gradients",), ta_fix=("init",), train=30,
         judge="loss",
         corrected="the fix was to be judged by accuracy like every row; but Adam reaches the "
         "spiral's accuracy from this start anyway (0.80 median after 30 steps, He 0.70; equal "
         "after 300), with scores so large that its validation loss is 1.8e3-1.6e4 where He's "
         "is 0.6-0.9. The fix is about sane scores, so it is judged by validation loss here."),
    Case("tanh SGD lr 1e-6", "learning rate",
         dict(activation="tanh", init="xavier_normal", depth=4, optimizer="sgd", lr=1e-6), 300,
         "Steps a million times smaller than the weights: nothing moves. Raise the learning rate.",
         expect=("update_ratio_low|loss_flat",), allowed=("loss_flat", "update_ratio_low"),
         ta_fix=("lr",)),
    Case("SGD lr 2", "learning rate", dict(optimizer="sgd", lr=2.0), 50,
         "Plain SGD at lr 2 overshoots at once. Lower the learning rate.",
         expect=("diverged|update_ratio_high",),
         allowed=("dead_units", "exploding_gradients", "loss_flat"), ta_fix=("lr",)),
    Case("moons", "data", dict(dataset="moons", n_classes=2), 300, "Healthy."),
    Case("blobs, 5 classes", "data", dict(dataset="blobs", n_classes=5), 300, "Healthy."),
    Case("linear net on spiral", "activation",
         dict(activation="identity", init="xavier_normal"), 300,
         "No non-linearity: three linear layers are one linear map, which cannot cut a spiral. "
         "Use ReLU.",
         expect=("linear_net",), allowed=("loss_flat",), ta_fix=("activation",)),
    Case("linear net on blobs", "activation",
         dict(activation="identity", init="xavier_normal", dataset="blobs"), 300,
         "Linear, but blobs are separated by straight lines: fine (a note at most)."),
    Case("batch norm batch 1", "batch size", dict(norm="batch", batch_size=1), 100,
         "Batch norm over one example subtracts that example: every pre-activation is 0 (beta). "
         "Use batches of 32 or layer norm.",
         expect=("small_batch_norm",), allowed=("loss_flat", "update_ratio_low"),
         ta_fix=("batch_size", "norm")),
    Case("leaky slope 0, N(0,0.01) depth 6", "activation",
         dict(activation="leaky_relu", leaky_slope=0.0, init="gaussian", weight_std=0.01,
              depth=6), 0,
         "Slope 0 makes it a ReLU, and tiny weights shrink the signal layer by layer: the "
         "gradient vanishes. Use He.",
         expect=("vanishing_gradients",), allowed=("dead_units",), ta_fix=("init",)),
    Case("Adagrad lr 1e-4", "optimiser", dict(optimizer="adagrad", lr=1e-4), 300,
         "Adagrad's steps only shrink from lr 1e-4: far too slow. Raise the learning rate.",
         expect=("update_ratio_low|loss_flat",), allowed=("loss_flat", "update_ratio_low"),
         ta_fix=("lr",)),
    Case("sigmoid depth 2", "activation",
         dict(activation="sigmoid", init="xavier_normal", depth=2), 300,
         "Two sigmoid layers with Xavier learn fine; some saturation is normal.",
         allowed=("saturation",)),
    Case("step decay too fast", "learning rate",
         dict(optimizer="sgd", lr=0.1, lr_schedule="step", lr_decay=0.01, decay_steps=10), 300,
         "The schedule divides the rate by 100 every 10 steps: by step 30 it is 1e-7 and "
         "training has stopped. Keep the rate constant first, decay later and slower.",
         expect=("lr_decayed",), allowed=("update_ratio_low", "loss_flat"),
         ta_fix=("lr_schedule",),
         corrected="written as 'update ratio low or flat loss'; the first 10 steps at 0.1 "
         "lower the loss by more than 5% and the frozen layers leave no moving update to "
         "measure, so only the schedule itself names the cause."),
    Case("He relu depth 20 residual", "init", dict(depth=20, residual=True), 0,
         "Skip connections add each branch's output to its input: with He init every block "
         "doubles the variance, so 20 blocks blow up the scores. Batch norm in the branches "
         "(or a smaller init) tames it.",
         expect=("initial_loss|exploding_gradients",),
         allowed=("initial_loss", "exploding_gradients"), ta_fix=("norm", "init")),
)

CASES: tuple[Case, ...] = FIRST + LATER
