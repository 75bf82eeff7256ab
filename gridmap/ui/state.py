"""Session-state keys: one constant per widget, so tests address widgets by key."""

from __future__ import annotations

KEY_LANG = "lang"
KEY_DISTRICT = "scope_district"
KEY_STREET = "scope_street"
KEY_COMMUNITY = "scope_community"
KEY_WINDOW = "time_window"
KEY_CATEGORIES = "categories"
KEY_CLASSES = "handling_classes"
KEY_RES = "map_res"
KEY_MAP = "city_map"
KEY_WORKSPACE_MAP = "workspace_map"
KEY_SELECTED_GRID = "selected_grid"
KEY_RISK_LAYER = "risk_layer"
KEY_RISK_MAP = "risk_map"
KEY_RISK_TABLE = "risk_table"
