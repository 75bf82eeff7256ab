"""``python -m gridmap.cli``: the ``gridmap`` command."""

import sys

from ._main import main

sys.exit(main())
