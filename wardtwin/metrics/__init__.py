"""Shared definitions of what wardtwin measures: SSQ, FMS, SPL/SoftSPL (``scores``), and one
session's events folded into its summary (``session``: below the store and the reports, which
both use it). Pure."""

from wardtwin.metrics.scores import (
    FMS_MAX, FMS_STOP_DEFAULT, SSQ_ITEMS, SSQ_TOTAL_MAX, SSQScores, check_fms, soft_spl, spl, ssq_scores,
)

__all__ = ["FMS_MAX", "FMS_STOP_DEFAULT", "SSQ_ITEMS", "SSQ_TOTAL_MAX", "SSQScores", "check_fms", "soft_spl", "spl",
           "ssq_scores"]
