"""Every threshold the assistant reads, with where it comes from: the lecture (ln C at the start,
updates about 1e-3 of the weights, small batches and batch norm) or a measurement in this lab
(the healthy default over seeds 0-4 and the failing cases of docs/diagnosis.md; see
tests/unit/test_diagnose.py and tests/unit/test_diagnosis_cases.py, which pin both sides).

The update-ratio band is also the green band of the update-ratio picture (ui/panels/ratio.py
reads it from here): what the picture shades as healthy is what the assistant calls healthy.
"""
from __future__ import annotations

# Lecture: the *data* loss at step 0 should be about ln C (every class equally likely); an L1/L2
# penalty adds to the total, as the lecture's sanity check expects.  Measured: the healthy
# default starts at 1.05-1.76 x ln C over seeds 0-4 (1.76 on seed 0); N(0, 1) on the 10x500
# tanh net at 14x.
INITIAL_LOSS_WARNING = 2.0      # x ln C
INITIAL_LOSS_PROBLEM = 5.0      # x ln C
INITIAL_LOSS_STEPS = 100        # after this many steps the start is history: told as "info"

# Measured: after 300 steps the default ReLU net has at most 27% dead units in a layer (seeds 0-4);
# SGD at lr 2-3 ends with 50-94%.  Once the training loss is ~0 (circles, seed 1: 41% dead at
# 100% accuracy) dead units and saturation are only "info".  Before any step "dead" only means
# "off on every probe example": a deep He-initialised ReLU net starts with such layers and
# trains to 100% (units revive as the layers below them move), so at step 0 it is info.
DEAD_INFO = 0.15                # share of a layer's units
DEAD_WARNING = 0.4
DEAD_PROBLEM = 0.7

# A net that already gets this share of its training examples right is learning despite its
# saturated or dead units: they are then only info.  Measured: 2 sigmoid layers (Xavier, Adam)
# reach 0.98 with half their outputs saturated; the lr-killed ReLU nets stay below 0.6.
LEARNS_ACC = 0.95

# Measured: Xavier tanh at step 0 has no saturated unit, N(0, 1) tanh has 93%; batch norm on the
# same tiny init keeps it at 5-14%.  ("Saturated": within 2% of a bound, see probe.py.)
SATURATION_WARNING = 0.3        # share of a layer's activations
SATURATION_PROBLEM = 0.6

# How much the backward signal dL/da changes from the last hidden layer to the first.  Measured:
# the default stays within 0.9-8x; N(0, 0.01) tanh shrinks it 1e-6x, 12 sigmoid layers 1e-7x,
# N(0, 1) tanh at width 500 grows it 9e4x (claim 16: slope ~0.04 times weight scale ~22 > 1).
VANISHING_RATIO = 1e-2
EXPLODING_RATIO = 1e2

# A run that diverges within this many steps has a learning rate orders of magnitude too large:
# the fix cuts it 100x, not 10x.  Measured (seeds 0-4): momentum at lr 5, Adam at 0.3 and SGD at
# 50 all blow up at step 1-2; momentum at lr 0.5 still diverges on 2 seeds and learns nothing on
# 4, at 0.05 it reaches 100%.
DIVERGED_EARLY = 10

# Lecture: ||update|| / ||weights|| about 1e-3 per step; the picture shades 1e-4 .. 1e-2.
UPDATE_RULE = 1e-3
UPDATE_BAND = (1e-4, 1e-2)
UPDATE_RATIO_LOW = UPDATE_BAND[0]          # below the band: the learning rate is too low
# Above the band by 3x: Adam at lr 0.01 on the default net sits at 0.013-0.014 over its first
# 20 steps (at most 0.012 after 30-50, seeds 0-4) and must not be told its rate is too high;
# SGD at lr 3 with clipping reaches 0.09.
UPDATE_RATIO_HIGH = 3 * UPDATE_BAND[1]
# Below the rule of thumb but inside the band is "slow", and only a finding when the net is
# still far from fitting after SLOW_STEPS: Adagrad at lr 1e-3 sits at 2-3e-4 with 51-56% training
# accuracy after 300 steps (seeds 0-2) where lr 1e-2 fits.
SLOW_STEPS = 300
UPDATE_WINDOW = 20              # recent steps whose ratios are summarised (median)
MIN_STEPS = 20                  # fewer steps than this say nothing about the update size yet
# Clipping that leaves less than half of the gradient's size on the median recent step cuts
# every step, not the rare outlier it is for; with SGD or momentum (the step follows the
# gradient's size) it then sets the step size, not the learning rate.  SGD at lr 0.1 on the
# default net: a value clip of 1e-4 leaves 0.3-0.6% of the gradient (seeds 0-4, 30-52% val
# after 300 steps; a clip of 1 leaves 100% and fits), a norm clip of 5 leaves 100%.
CLIP_BINDS = 0.5

# Measured: SGD at lr 1e-5 lowers the loss 0.7% in 200 steps, at lr 1e-4 11%; the default 100%.
LOSS_FLAT_STEPS = 100
LOSS_FLAT_DROP = 0.05           # relative drop from the first to the last steps
LOSS_WINDOW = 20
CONVERGED_LOSS = 0.1            # x ln C: below this a small loss change or update is just done

# Regularisation too strong: the net cannot fit its own training set (training accuracy of the
# last evaluations below UNDERFIT_ACC after UNDERFIT_STEPS) while dropout or the penalty is
# strong.  Measured at 300 steps on the default net (seeds 0-4): dropout 0.2 and 0.5, L2 1e-3 and
# 1e-2, L1 1e-3 and 1e-2 reach 0.99-1.0 training accuracy; L2 0.1 0.59-0.70, dropout 0.9, L2 1.0
# and L1 0.1 0.32-0.34.  The penalty then makes 16-50% of the loss (it is a larger share of a
# fitted net's near-0 loss, hence the accuracy condition); an underfit whose updates sit below the
# update band is the learning rate's, not the penalty's.
UNDERFIT_ACC = 0.8
UNDERFIT_STEPS = 100
STRONG_DROPOUT = 0.5            # at or above: dropout is the suspect of an underfit
STRONG_PENALTY = 0.1            # penalty share of the recent loss at or above: the penalty is
REGULARISATION_CUT = 100.0      # the fix divides the penalty's strength by this

# Measured: 400 steps on 60 noisy spiral points leave a 17% train/validation gap (with 600
# points: 4-9%); the default's gap is 0.  A validation loss rising far above its best also counts.
OVERFIT_GAP = 0.15              # train accuracy minus validation accuracy, last evaluations
OVERFIT_EVALS = 3
VAL_LOSS_RISE = 2.0             # x the best validation loss so far ...
VAL_LOSS_RISE_MIN = 0.25        # ... and at least this x ln C above it

# Lecture (batch norm and batch size): a batch of a few examples gives noisy statistics.
SMALL_BATCH = 4

# Symmetry: units of a layer are copies when their incoming weights agree to this relative
# precision (random inits never agree; identical units drift apart only by rounding).
SYMMETRY_RTOL = 1e-6

# A learning-rate schedule has spent the rate when every recent step ran at less than this share
# of the chosen rate: the steps are 1000x smaller than the ones picked.  A cosine cycle's last 20
# steps still reach 4e-3 of it, so its dip to 0 at a cycle's end is not read as spent; step decay
# by 0.01 every 10 steps is at 1e-6 by step 30 (the lecture: start with a constant rate, decay
# once the loss stops falling).
SCHEDULE_SPENT = 1e-3
