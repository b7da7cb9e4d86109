"""``python -m asymkit.cli``: the same as the ``asymkit`` script."""

import sys

from . import main

sys.exit(main())
