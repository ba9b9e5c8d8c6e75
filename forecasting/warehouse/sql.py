"""Every SQL statement the warehouse runs, in Snowflake's dialect. Placeholders are ``?`` (qmark binding).

Tables are declared once in ``TABLES``; DDL and the typed JSON bulk insert are generated from it."""

from __future__ import annotations

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "SALES_HISTORY": (
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("SALE_DATE", "DATE"),
        ("QTY", "NUMBER(18,0)"),
    ),
    "INVENTORY_SNAPSHOTS": (
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("SNAPSHOT_DATE", "DATE"),
        ("ON_HAND", "NUMBER(18,0)"),
    ),
    "FORECASTS": (
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("RUN_AT", "TIMESTAMP_NTZ"),
        ("HORIZON_DATE", "DATE"),
        ("MEAN", "FLOAT"),
        ("LO", "FLOAT"),
        ("HI", "FLOAT"),
        ("MODEL", "VARCHAR"),
    ),
    "RECOMMENDATIONS": (
        ("RUN_AT", "TIMESTAMP_NTZ"),
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("ON_HAND", "NUMBER(18,0)"),
        ("ON_ORDER", "NUMBER(18,0)"),
        ("DYNAMIC_MIN", "NUMBER(18,0)"),
        ("REORDER_POINT", "NUMBER(18,0)"),
        ("RECOMMENDED_QTY", "NUMBER(18,0)"),
        ("SUPPLIER_ID", "VARCHAR"),
        ("ORDER_BY", "DATE"),
        ("EXPECTED_STOCKOUT", "DATE"),
        ("MODEL", "VARCHAR"),
        ("RATIONALE", "VARCHAR"),
    ),
    "ALERT_HISTORY": (
        ("DEDUPE_KEY", "VARCHAR"),
        ("KIND", "VARCHAR"),
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("SEVERITY", "VARCHAR"),
        ("MESSAGE", "VARCHAR"),
        ("CREATED_AT", "TIMESTAMP_NTZ"),
    ),
    "HISTORY_SERIES": (  # fingerprints of the loaded two-year histories, so unchanged ones are skipped
        ("SKU", "VARCHAR"),
        ("SITE", "VARCHAR"),
        ("START_DATE", "DATE"),
        ("DAYS", "NUMBER(18,0)"),
        ("TOTAL", "NUMBER(18,0)"),
    ),
    "SYNC_STATE": (
        ("NAME", "VARCHAR"),
        ("HWM", "TIMESTAMP_NTZ"),
        ("UPDATED_AT", "TIMESTAMP_NTZ"),
    ),
}

# Staging tables are session-scoped copies used as MERGE sources.
STAGES: dict[str, str] = {
    "SALES_STAGE": "SALES_HISTORY",
    "SNAPSHOT_STAGE": "INVENTORY_SNAPSHOTS",
    "SERIES_STAGE": "HISTORY_SERIES",
}


def column_types(table: str, columns: list[str]) -> list[str]:
    declared = dict(TABLES[STAGES.get(table, table)])
    return [declared[c] for c in columns]


def create_table(table: str) -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


def create_stage(stage: str) -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in TABLES[STAGES[stage]])
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ({cols})"


def schema_statements() -> list[str]:
    return [create_table(t) for t in TABLES]


def truncate(table: str) -> str:
    return f"TRUNCATE TABLE {table}"


def insert_from_json(table: str, columns: list[str], types: list[str]) -> str:
    """Stage-free bulk insert: one bound JSON array of rows, unpacked by FLATTEN."""
    values = ", ".join(f"f.value[{i}]::{kind}" for i, kind in enumerate(types))
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"


# ---- sync ---------------------------------------------------------------------------------------------------

MERGE_SALES = """
MERGE INTO SALES_HISTORY t USING SALES_STAGE s
  ON t.SKU = s.SKU AND t.SITE = s.SITE AND t.SALE_DATE = s.SALE_DATE
WHEN MATCHED AND t.QTY <> s.QTY THEN UPDATE SET QTY = s.QTY
WHEN NOT MATCHED THEN INSERT (SKU, SITE, SALE_DATE, QTY) VALUES (s.SKU, s.SITE, s.SALE_DATE, s.QTY)
"""

MERGE_SNAPSHOTS = """
MERGE INTO INVENTORY_SNAPSHOTS t USING SNAPSHOT_STAGE s
  ON t.SKU = s.SKU AND t.SITE = s.SITE AND t.SNAPSHOT_DATE = s.SNAPSHOT_DATE
WHEN MATCHED THEN UPDATE SET ON_HAND = s.ON_HAND
WHEN NOT MATCHED THEN INSERT (SKU, SITE, SNAPSHOT_DATE, ON_HAND)
  VALUES (s.SKU, s.SITE, s.SNAPSHOT_DATE, s.ON_HAND)
"""

MERGE_SERIES = """
MERGE INTO HISTORY_SERIES t USING SERIES_STAGE s
  ON t.SKU = s.SKU AND t.SITE = s.SITE
WHEN MATCHED THEN UPDATE SET START_DATE = s.START_DATE, DAYS = s.DAYS, TOTAL = s.TOTAL
WHEN NOT MATCHED THEN INSERT (SKU, SITE, START_DATE, DAYS, TOTAL)
  VALUES (s.SKU, s.SITE, s.START_DATE, s.DAYS, s.TOTAL)
"""

SELECT_SERIES = "SELECT SKU, SITE, START_DATE, DAYS, TOTAL FROM HISTORY_SERIES"

SELECT_HWM = "SELECT HWM FROM SYNC_STATE WHERE NAME = ?"

MERGE_HWM = """
MERGE INTO SYNC_STATE t USING (SELECT ? AS NAME, TO_TIMESTAMP_NTZ(?) AS HWM) s ON t.NAME = s.NAME
WHEN MATCHED THEN UPDATE SET HWM = s.HWM, UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (NAME, HWM, UPDATED_AT) VALUES (s.NAME, s.HWM, CURRENT_TIMESTAMP())
"""

# ---- history for the forecast engine --------------------------------------------------------------------------

SELECT_DEMAND = """
SELECT SKU, SITE, DATEDIFF('day', TO_DATE(?), SALE_DATE) AS DAY, QTY::FLOAT AS QTY
FROM SALES_HISTORY
WHERE SALE_DATE >= TO_DATE(?) AND SALE_DATE <= TO_DATE(?)
"""

SALES_SUMMARY = "SELECT COUNT(*), COALESCE(SUM(QTY), 0), MIN(SALE_DATE), MAX(SALE_DATE) FROM SALES_HISTORY"

SALES_FOR_ITEM = """
SELECT SALE_DATE, SUM(QTY) FROM SALES_HISTORY
WHERE SKU = ? AND SALE_DATE >= TO_DATE(?) GROUP BY SALE_DATE ORDER BY SALE_DATE
"""

# ---- results --------------------------------------------------------------------------------------------------

DELETE_FORECAST_RUN = "DELETE FROM FORECASTS WHERE RUN_AT = TO_TIMESTAMP_NTZ(?)"

DELETE_RECOMMENDATION_RUN = "DELETE FROM RECOMMENDATIONS WHERE RUN_AT = TO_TIMESTAMP_NTZ(?)"

LATEST_FORECAST_RUN = "SELECT MAX(RUN_AT) FROM FORECASTS"

FORECAST_FOR_ITEM = """
SELECT SITE, HORIZON_DATE, MEAN, LO, HI, MODEL FROM FORECASTS
WHERE RUN_AT = TO_TIMESTAMP_NTZ(?) AND SKU = ? ORDER BY SITE, HORIZON_DATE
"""

COUNT_FORECAST_RUN = (
    "SELECT COUNT(*), COUNT(DISTINCT SKU || '@' || SITE) FROM FORECASTS WHERE RUN_AT = TO_TIMESTAMP_NTZ(?)"
)

RECOMMENDATIONS_FOR_RUN = """
SELECT SKU, SITE, RECOMMENDED_QTY, REORDER_POINT, ORDER_BY, RATIONALE FROM RECOMMENDATIONS
WHERE RUN_AT = TO_TIMESTAMP_NTZ(?) ORDER BY ORDER_BY, SKU, SITE
"""

ALERT_KEYS = "SELECT DEDUPE_KEY FROM ALERT_HISTORY"

COUNT_ALERTS = "SELECT COUNT(*) FROM ALERT_HISTORY"
