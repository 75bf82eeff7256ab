"""gridmap: a geospatial workbench for city grid governance (网格化管理).

The library reads a centre's files (grids, admin units, incidents, cameras, key areas),
validates them, converts Chinese coordinate systems, indexes them with H3 and assigns
incidents to grids; ``gridmap.ui`` and ``app.py`` serve it as a Streamlit app.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
