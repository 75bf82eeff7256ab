"""Printable cockpit: a one-page PNG and a multi-page PDF report (matplotlib, CJK font)."""

from .document import ReportMeta, cockpit_png, report_pdf
from .figures import MapContext
from .fonts import ReportError, cjk_family

__all__ = ["MapContext", "ReportError", "ReportMeta", "cjk_family", "cockpit_png", "report_pdf"]
