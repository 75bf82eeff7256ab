"""Plain words on every viewer screen (issue 13 item 3): the cockpit, the map, the Risk and
Coverage pages in Chinese and English name no method (Gi*, FDR, H3, EB, 经验贝叶斯, 分辨率);
the technical names live in help tooltips only. And English titles carry no Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridmap.i18n import t
from gridmap.report.text import titled
from gridmap.ui import keys

from .helpers import app_for, cockpit_for

JARGON = re.compile(
    r"Gi\*|\bFDR\b|\bH3\b|\bEB\b|经验贝叶斯|分辨率|Getis|Mann-Kendall|empirical[- ]Bayes", re.I
)
#: A tooltip in our own HTML (title="…") is where the technical name belongs.
TOOLTIP = re.compile(r'\btitle="[^"]*"')
PAGES = ("app_pages/cockpit.py", "app_pages/map.py", "app_pages/risk.py", "app_pages/coverage.py")


def _vega_titles(spec: object) -> list[str]:
    """Every title and label text a Vega-Lite spec shows (chart, axis and legend titles)."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "text") and isinstance(value, str):
                found.append(value)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                found.append(value["text"])
            else:
                found.extend(_vega_titles(value))
    elif isinstance(spec, list):
        for item in spec:
            found.extend(_vega_titles(item))
    return found


def _screen_text(at: AppTest, lang: str) -> list[str]:
    """The words a viewer reads, without help tooltips (widgets' ``help``, HTML titles) and
    the "how grids are ranked" method section, written for those who ask for the method."""
    how = t("priority.how.title", lang)
    method = {m.value for e in at.expander if e.label == how for m in e.markdown}
    texts = [TOOLTIP.sub("", m.value) for m in at.markdown if m.value not in method]
    for kind in ("caption", "title", "header", "subheader", "info", "warning", "success"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [m.label for m in at.metric]
    texts += [e.label for e in at.expander]
    for kind in ("selectbox", "segmented_control", "radio", "toggle", "slider", "button"):
        for widget in at.get(kind):
            texts.append(str(getattr(widget, "label", "")))
            for option in getattr(widget, "options", []) or []:
                texts.append(str(option))
    charts = at.get("vega_lite_chart")
    for chart in charts:
        texts += _vega_titles(json.loads(chart.proto.spec))
    return texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_viewer_pages_name_no_method(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.session_state[keys.KEY_LANG] = lang
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        texts = _screen_text(at, lang)
        assert texts, page
        if page.endswith("cockpit.py"):  # chart titles are read too
            assert t("cockpit.categories", lang) in texts
        jargon = sorted({m.group(0) for text in texts for m in JARGON.finditer(text)})
        assert not jargon, f"{page} ({lang}) shows {jargon}: " + " | ".join(
            text[:120] for text in texts if JARGON.search(text)
        )


def test_the_technical_name_is_one_tooltip_away(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = cockpit_for(busy_workspace, monkeypatch)
    legend = next(m.value for m in at.markdown if "统计显著的聚集区" in m.value)
    tips = TOOLTIP.findall(legend)
    assert len(tips) == 1 and "Getis-Ord Gi*" in tips[0] and "FDR" in tips[0]


def test_english_titles_carry_no_chinese_and_invent_no_name(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert titled("cockpit.title", "兰州市", "en") == "Grid-governance cockpit"
    assert titled("report.title", "城关区", "en") == "Grid-governance risk report"
    assert titled("cockpit.title", "兰州市", "zh") == "兰州市 网格治理驾驶舱"
    at = cockpit_for(busy_workspace, monkeypatch, lang="en")
    heading = next(m.value for m in at.markdown if m.value.startswith("<h2"))
    assert "grid-governance cockpit" in heading.lower()
    assert not re.search(r"[\u3400-\u9fff]", re.sub(r"<span.*?</span>", "", heading))
