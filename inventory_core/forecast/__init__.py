"""Demand forecasting and restock maths: pure numpy, every series at once."""
