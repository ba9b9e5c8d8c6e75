"""Background work on Temporal: the embedded dev server (``embedded``), the workflows (``definitions``), their
activities over the forecasting monitor (``activities``) and the worker and schedules (``runtime``)."""
