"""Measure the server time of filter changes on the map page (AppTest, no browser).

Usage: python scripts/measure_filters.py WORKSPACE
Prints one line per interaction with the page's own server time (from its caption).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def server_ms(at: AppTest) -> str:
    for c in at.caption:
        if "ms" in c.value and ("服务器" in c.value or "Server" in c.value):
            return c.value
    return "?"


def main(workspace: str) -> int:
    os.environ["GRIDMAP_WORKSPACE"] = str(Path(workspace).resolve())
    os.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    steps = [
        ("first load (caches cold)", lambda: None),
        ("rerun (caches warm)", lambda: None),
        (
            "category = public_safety",
            lambda: at.multiselect(key="categories").set_value(["public_safety"]),
        ),
        (
            "handling class = dispute",
            lambda: at.multiselect(key="handling_classes").set_value(["dispute"]),
        ),
        (
            "clear filters",
            lambda: (
                at.multiselect(key="categories").set_value([]),
                at.multiselect(key="handling_classes").set_value([]),
            ),
        ),
        ("district = 城关区", lambda: at.selectbox(key="scope_district").set_value("620102")),
        ("district = 西固区", lambda: at.selectbox(key="scope_district").set_value("620104")),
        ("whole city", lambda: at.selectbox(key="scope_district").set_value(None)),
    ]
    for name, action in steps:
        action()
        t0 = time.perf_counter()
        at.run()
        wall = (time.perf_counter() - t0) * 1000
        assert not at.exception, at.exception
        print(f"{name:<28} page {server_ms(at):<22} AppTest run {wall:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
