"""Demand forecasting, restock planning, the analytics warehouse and the proactive monitor."""
