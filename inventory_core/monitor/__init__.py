"""The proactive low-stock cycle: sync → forecast → recommendations → insights → notification, with an
in-process scheduler and a CLI (``python -m inventory_core.monitor``)."""

from inventory_core.monitor.build import Forecasting, ForecastingOptions, open_forecasting
from inventory_core.monitor.cycle import STEPS, CycleReport, Monitor
from inventory_core.monitor.notify import LogNotifier, Notifier, WebhookNotifier
from inventory_core.monitor.scheduler import MonitorScheduler

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
