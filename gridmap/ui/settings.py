"""The app's deployment settings, read from the environment here, at the app's edge.

The library takes these values as arguments (:class:`gridmap.config.Environment` names the
variables); only this module and the command line read ``os.environ`` for them. Read on every
run of the app script: reading a few variables is cheap, and a changed deployment (or a test
setting a variable) is seen at once, as before.
"""

from __future__ import annotations

import os
from typing import Any

import pydeck as pdk

from .. import viz
from ..basemap import map_style
from ..config import Environment

__all__ = ["cjk_font", "environment", "make_deck", "style_url"]


def environment() -> Environment:
    """The deployment's settings (``GRIDMAP_BASEMAP_URL``, ``GRIDMAP_CJK_FONT``, ...)."""
    return Environment.from_environ(os.environ)


def style_url() -> str:
    """The map style: the configured intranet tile server's, else the offline background."""
    env = environment()
    return map_style(url=env.basemap_url, attribution=env.basemap_attribution)


def cjk_font() -> str | None:
    """The report font the deployment names (``GRIDMAP_CJK_FONT``); None: the bundled one."""
    return environment().cjk_font


def make_deck(
    layers: list[pdk.Layer],
    view: pdk.ViewState,
    *,
    tooltip: dict[str, Any] | bool | None = None,
) -> pdk.Deck:
    """:func:`gridmap.viz.make_deck` with the app's map style: what pages call."""
    return viz.make_deck(layers, view, tooltip=tooltip, style=style_url())
