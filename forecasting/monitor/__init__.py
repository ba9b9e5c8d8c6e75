"""The proactive low-stock cycle: sync → forecast → recommendations → insights → notification, with an
in-process scheduler, and a CLI (``python -m app monitor``)."""

from forecasting.monitor.build import Forecasting, ForecastingOptions, open_forecasting
from forecasting.monitor.cycle import STEPS, CycleReport, Monitor
from forecasting.monitor.notify import LogNotifier, Notifier, WebhookNotifier
from forecasting.monitor.scheduler import MonitorScheduler

__all__ = [
    "STEPS",
    "CycleReport",
    "Forecasting",
    "ForecastingOptions",
    "LogNotifier",
    "Monitor",
    "MonitorScheduler",
    "Notifier",
    "WebhookNotifier",
    "open_forecasting",
]
