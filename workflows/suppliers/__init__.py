"""The supplier sync: connectors that read what suppliers publish, and applying it to the offers."""
