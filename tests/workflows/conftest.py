"""The forecasting fixtures (a loaded demo subset in the embedded MongoDB, fakesnow in-process) for workflow tests."""

from tests.forecast.conftest import fakesnow_patched, loaded_inventory

__all__ = ["fakesnow_patched", "loaded_inventory"]
