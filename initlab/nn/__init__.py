"""The neural network in NumPy: registries, activations, initialisation, layers, losses, optimisers
and the MLP built from a Config.  Pure NumPy, like CS231n's layers.py and optim.py."""
