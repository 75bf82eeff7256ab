"""Every widget key and session-state key of the app, defined once.

Pages and ``gridmap.ui`` modules pass these to ``key=`` and index ``st.session_state`` with
them; the AppTests address widgets through the same names (``at.radio(key=keys.KEY_LANG)``),
so renaming a key is one edit here. Keys built per item (a map per resolution, a button per
provider) have a function beside their prefix. The string values are the app's wire format:
they appear in the browser's DOM (``st-key-...`` classes) and in saved sessions, so a value
never changes without a reason.
"""

from __future__ import annotations

# -- the shell: language, scope, filters ------------------------------------------------------
KEY_LANG = "lang"
KEY_DISTRICT = "scope_district"
KEY_STREET = "scope_street"
KEY_COMMUNITY = "scope_community"
KEY_WINDOW = "time_window"
KEY_CATEGORIES = "categories"
KEY_CLASSES = "handling_classes"
#: Prefix of the breadcrumb buttons: ``crumb_scope_0`` (district), ``crumb_scope_1``, ...
KEY_CRUMB = "crumb_scope"
#: The container a failing page's one-line message is drawn in (``gridmap.ui.guard``).
KEY_PAGE_ERROR = "page_error"

# -- the map page ----------------------------------------------------------------------------
#: Prefix of the cell-resolution slider, one per level: see :func:`res_key`.
KEY_RES = "map_res"
KEY_MAP = "city_map"
KEY_SELECTED_GRID = "selected_grid"
#: The grid code of the last map click handled (a rerun repeats the same selection event).
KEY_LAST_PICK = "_last_pick"
KEY_GRID_CARD = "grid_card"
KEY_CARD_FOCUS = "card_focus"
KEY_CARD_CLOSE = "card_close"

# -- the data page -------------------------------------------------------------------------------
KEY_WORKSPACE_MAP = "workspace_map"
KEY_DATA_SECTION = "data_section"
KEY_DATA_KIND = "data_kind"
KEY_DATA_UPLOADER = "data_upload"
#: The stashed upload (``gridmap.ui.upload.stash_bytes``) the import works on.
KEY_DATA_FILE = "data_file"
KEY_DATA_PART = "data_part"
KEY_DATA_CRS = "data_crs"
KEY_DATA_EPSG = "data_epsg"
KEY_DATA_SWAP = "data_swap"
KEY_DATA_CATS = "data_cats"
KEY_DATA_RESULT = "data_result"
KEY_DATA_IMPORT = "data_import"
#: Prefix of the publish button and date, one per place they appear: see :func:`publish_key`.
KEY_DATA_PUBLISH = "data_publish"
KEY_DATA_EFFECTIVE = "data_effective"
#: The version just published, shown once on the next run.
KEY_DATA_PUBLISHED = "data_published"
KEY_DATA_PROBLEMS = "data_problems"
KEY_DATA_PROBLEM_MAP = "data_problem_map"
KEY_DATA_PREVIEW_MAP = "data_preview_map"
KEY_DATA_MAPPING_NAME = "data_mapping_name"
KEY_DATA_MAPPING_SAVE = "data_mapping_save"
KEY_DATA_MAPPING_PICK = "data_mapping_pick"
KEY_DATA_MAPPING_APPLY = "data_mapping_apply"
KEY_DATA_MAPPING_DELETE = "data_mapping_delete"
KEY_DATA_MAPPING_DELETE_PICK = "data_mapping_delete_pick"
#: Fields a saved mapping names that the file lacks (shown once after applying it).
KEY_DATA_MAPPING_MISSING = "data_mapping_missing"
#: ``(digest, kind)`` of the file the mapping widgets were prepared for.
KEY_DATA_PREPARED = "data_prepared"
KEY_DATA_PREPARED_PART = "data_prepared_part"
KEY_DATA_SUGGEST_USE = "data_suggest_use"
KEY_DATA_AGAIN = "data_again"
KEY_DATA_REJECTS_DOWNLOAD = "data_rejects_download"
KEY_DATA_EXPORT_LAYER = "data_export_layer"
KEY_DATA_EXPORT_VERSION = "data_export_version"
KEY_DATA_EXPORT_FORMAT = "data_export_format"
KEY_DATA_EXPORT_CRS = "data_export_crs"
KEY_DATA_EXPORT_ENCODING = "data_export_encoding"
KEY_DATA_EXPORT_GO = "data_export_go"
KEY_DATA_EXPORT_FILE = "data_export_file"
KEY_DATA_EXPORT_DOWNLOAD = "data_export_download"
KEY_DATA_DRAFT_PICK = "data_draft_pick"
KEY_DATA_OUTSIDE_OK = "data_outside_ok"
#: Prefixes of the per-field column, constant and category dropdowns of the import mapping.
DATA_MAP_PREFIX = "data_map_"
DATA_CONST_PREFIX = "data_const_"
DATA_CAT_PREFIX = "data_cat_"

# -- risk and forecast -----------------------------------------------------------------------------
KEY_RISK_LAYER = "risk_layer"
KEY_RISK_MAP = "risk_map"
KEY_RISK_TABLE = "risk_table"
KEY_RISK_LEVEL = "risk_level"
KEY_RISK_ADMIN_TABLE = "risk_admin_table"
KEY_RISK_CSV = "risk_csv"
KEY_RISK_GEOJSON = "risk_geojson"
KEY_FORECAST_HORIZON = "forecast_horizon"
#: The forecast button was pressed: the next run draws the forecast (then forgets it).
KEY_FORECAST_ASKED = "forecast_asked"
KEY_BACKTEST_CUTOFF = "backtest_cutoff"
KEY_BACKTEST_HALF_LIVES = "backtest_half_lives"
KEY_BACKTEST_K = "backtest_k_rings"
KEY_BACKTEST_ASKED = "backtest_asked"

# -- the cockpit -----------------------------------------------------------------------------------
KEY_MEETING = "meeting_mode"
KEY_COCKPIT_LAYER = "cockpit_layer"
KEY_COCKPIT_MAP = "cockpit_map"
KEY_STAGES = "workflow_stages"
#: Prefix of the cockpit's export buttons: see :func:`cockpit_export_key`.
KEY_COCKPIT_EXPORT = "cockpit"

# -- coverage --------------------------------------------------------------------------------------
KEY_COV_LAYERS = "coverage_layers"
KEY_COV_MAP = "coverage_map"
KEY_COV_N = "coverage_n"
KEY_COV_GAPS = "coverage_gaps"
KEY_COV_CANDIDATES = "coverage_candidates"
KEY_COV_SITES_CSV = "coverage_sites_csv"
KEY_COV_SITES_GEOJSON = "coverage_sites_geojson"
KEY_KEYAREA_CARD = "keyarea_card"

# -- rebalancing -----------------------------------------------------------------------------------
KEY_REBALANCE_SESSIONS = "rebalance_sessions"
KEY_REBALANCE_TARGET = "rebalance_target"
KEY_REBALANCE_SELECTED = "rebalance_selected"
#: Prefix of the rebalance map; the key carries a counter so a new plan draws a fresh map.
KEY_REBALANCE_MAP = "rebalance_map"
#: The counter of :data:`KEY_REBALANCE_MAP` (see :func:`rebalance_map_key`).
KEY_REBALANCE_MAP_N = "reb_map_n"
KEY_REBALANCE_VIEW = "rebalance_view"
KEY_REBALANCE_COMMUNITY = "rebalance_community"
KEY_REBALANCE_MODE = "rebalance_mode"
KEY_REBALANCE_MEASURE = "rebalance_measure"
KEY_REBALANCE_SINCE = "rebalance_since"
KEY_REBALANCE_NOTE = "reb_note"
KEY_REBALANCE_DAY = "reb_day"
KEY_REBALANCE_DRAFT = "reb_draft"
KEY_REBALANCE_PUBLISH = "reb_publish"
KEY_REBALANCE_EXPORT = "reb_export"
KEY_REBALANCE_EXPORT_ASSIGNMENT = "reb_export_assignment"
#: Prefixes of the per-suggestion apply buttons and the per-community lock pickers.
KEY_REBALANCE_APPLY = "reb_apply"
KEY_REBALANCE_LOCKS = "reb_locks"

# -- sign-in ---------------------------------------------------------------------------------------
KEY_USER = "auth_user"
#: How the session's user signed in: "password" or "sso" (an SSO logout also ends the cookie).
KEY_AUTH_METHOD = "auth_method"
#: The SSO identity refused in this session (refused and audited once, not on every rerun).
KEY_SSO_REFUSED = "auth_sso_refused"
#: Prefix of the SSO buttons: ``sso_login``, ``sso_login_NAME`` (see :func:`sso_login_key`).
KEY_SSO_LOGIN = "sso_login"
KEY_SSO_LOGOUT = "sso_logout"
KEY_LOGIN_USER = "login_user"
KEY_LOGIN_PASSWORD = "login_password"
KEY_LOGOUT = "logout"

# -- the audit page --------------------------------------------------------------------------------
KEY_AUDIT_CSV = "audit_csv"


def res_key(level: str) -> str:
    """Key of the map page's cell-resolution slider for admin ``level``.

    >>> res_key("community")
    'map_res_community'
    """
    return f"{KEY_RES}_{level}"


def crumb_key(index: int) -> str:
    """Key of the ``index``-th breadcrumb button (0 is the district)."""
    return f"{KEY_CRUMB}_{index}"


def publish_key(where: str) -> str:
    """Key of the publish button shown at ``where`` (``result``, ``drafts``)."""
    return f"{KEY_DATA_PUBLISH}_{where}"


def effective_key(where: str) -> str:
    """Key of the effective-date input beside the publish button at ``where``."""
    return f"{KEY_DATA_EFFECTIVE}_{where}"


def field_key(field: str) -> str:
    """Key of the import mapping's column dropdown for a canonical field.

    >>> field_key("lon")
    'data_map_lon'
    """
    return f"{DATA_MAP_PREFIX}{field}"


def cockpit_export_key(kind: str) -> str:
    """Key of the cockpit's export button of ``kind`` (``png``, ``pdf``, ...).

    The button's result is kept under ``<key>_result`` and offered under ``<key>_file``.
    """
    return f"{KEY_COCKPIT_EXPORT}_{kind}"


def rebalance_map_key(n: int) -> str:
    """Key of the ``n``-th rebalance map (a new counter value draws a fresh map)."""
    return f"{KEY_REBALANCE_MAP}_{n}"


def rebalance_apply_key(index: int) -> str:
    """Key of the apply button of the ``index``-th suggestion."""
    return f"{KEY_REBALANCE_APPLY}_{index}"


def sso_login_key(provider: str | None = None) -> str:
    """Key of the SSO sign-in button: ``sso_login`` for the only provider, else per name."""
    return KEY_SSO_LOGIN if provider is None else f"{KEY_SSO_LOGIN}_{provider}"


# -- issue 13 items 6-7: the backlog card, this week's list, the responsibility editor --------
KEY_BACKLOG_DETAILS = "backlog_details"
KEY_WEEK_EXCEL = "week_excel"
KEY_RESP_EDITOR = "resp_editor"
KEY_RESP_SAVE = "resp_save"
KEY_RESP_RESET = "resp_reset"
KEY_RESP_CSV = "resp_csv"
KEY_RESP_DOWNLOAD = "resp_download"

# --- the map page's list of top grids (helper N, #13 item 8) ---
#: The ranked list beside the 一张图 map (a row selection opens the grid's card).
KEY_MAP_TOP = "map_top_grids"
#: The list row last selected (a new selection, not the same one again, opens its card).
KEY_LAST_LISTED = "_map_top_last"

# -- state that follows the user (#13 items 5 and 11) ---------------------------------------------
#: The period preset pills: a code of :data:`gridmap.analytics.filters.PERIODS` or ``custom``.
KEY_PERIOD = "time_period"
#: The user picked a period or dates (until then each page opens on its own default window).
KEY_PERIOD_CHOSEN = "_period_chosen"
#: The shell's choices as of the last sidebar drawn (handed to the next page's sidebar).
KEY_KEPT = "_kept_view"
#: The query string was read (once per session: a link opens a view, then the user leads).
KEY_URL_READ = "_url_read"

# --- department layers on the Data page (helper E, #18) ---
#: The import wizard's department-name input (a department layer's units belong to it).
KEY_DATA_DEPARTMENT = "data_department"

# --- the Fusion page (融合, #18, helper F) ---------------------------------------------------
#: The department whose layer the page analyses.
KEY_FUSION_DEPT = "fusion_department"
#: The map's view: ``alignment`` or ``responsibility`` (gridmap.ui.fusion_map.VIEWS).
KEY_FUSION_VIEW = "fusion_view"
KEY_FUSION_MAP = "fusion_map"
#: The basic grid whose "who is responsible" table is shown (a map click sets it).
KEY_FUSION_GRID = "fusion_grid"
#: The grid last clicked on the map (a new click, not the same event again, picks a grid).
KEY_FUSION_LAST_PICK = "_fusion_last_pick"
KEY_FUSION_PDF = "fusion_pdf"


def fusion_download_key(kind: str) -> str:
    """Key of the Fusion page's download button of ``kind`` (gpkg, csv, xlsx, pdf).

    >>> fusion_download_key("xlsx")
    'fusion_download_xlsx'
    """
    return f"fusion_download_{kind}"


# --- Fusion page, after the review (helper H) ---
#: The department layer version analysed on the Fusion page (shown when there are several).
KEY_FUSION_VERSION = "fusion_version"
