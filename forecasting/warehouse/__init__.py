"""The analytics warehouse (Snowflake through ``snowflake-connector-python``; an embedded fakesnow by default)."""
