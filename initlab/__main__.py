"""``python -m initlab serve``: same as the ``initlab`` command."""
import sys

from initlab.cli import main

sys.exit(main())
