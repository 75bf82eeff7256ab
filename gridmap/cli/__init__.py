"""The ``gridmap`` command.

Exit status: 0 when fine, 1 when validation found problems, 2 on bad input (one line on
stderr naming the file, row or field), 3 on an internal error. Set ``GRIDMAP_DEBUG=1`` to
see a traceback instead.

One module per command group (``workspace``, ``analyses``, ``rebalance``, ``outputs``,
``users``, ``serve``), each adding its own parsers; ``_main`` builds the parser and runs a
command, ``_session`` logs in the ``--user`` and writes the audit entry, ``_common`` holds
what every command shares.
"""

from __future__ import annotations

# The names importable from gridmap.cli before it became a package (tests and scripts use them).
from ._common import EXIT_BAD_INPUT as EXIT_BAD_INPUT
from ._common import EXIT_INTERNAL as EXIT_INTERNAL
from ._common import EXIT_OK as EXIT_OK
from ._common import EXIT_PROBLEMS as EXIT_PROBLEMS
from ._main import build_parser as build_parser
from ._main import main
from ._session import AUDITED as AUDITED
from .serve import _serve_auth as _serve_auth

__all__ = ["main"]
