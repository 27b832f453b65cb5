"""Writes the typed fixtures tests/hostile.rs reads: files as pandas and pyarrow write them, with
small integer types, dictionaries (pandas categoricals), decimals, dates, timestamps, structs
and half-precision floats. Deterministic; re-run from this directory with pyarrow and pandas
installed (`python3 make_types.py`)."""

import datetime
import decimal

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

SCORES = [0.1, 0.9, 0.3, 0.7, 0.2, 0.8]
LABELS = [0, 1, 0, 1, 0, 1]
N = len(SCORES)

table = pa.table(
    {
        "score": pa.array(SCORES),
        "score_f32": pa.array(SCORES, pa.float32()),
        "score_dec": pa.array([decimal.Decimal(str(s)) for s in SCORES], pa.decimal128(5, 2)),
        "y": pa.array(LABELS),
        "y_i8": pa.array(LABELS, pa.int8()),
        "y_u8": pa.array(LABELS, pa.uint8()),
        "y_i16": pa.array(LABELS, pa.int16()),
        "y_bool": pa.array([bool(v) for v in LABELS]),
        "g_i8": pa.array([1, 2, 1, 2, 1, 2], pa.int8()),
        "g_cat": pa.array(["a", "b", "a", "b", "a", "b"]).dictionary_encode(),
        "g_date": pa.array([datetime.date(2020, 1, 1 + i % 2) for i in range(N)], pa.date32()),
        "g_ts": pa.array([1_000_000 * (i % 2) for i in range(N)], pa.timestamp("us")),
        "g_dec": pa.array([decimal.Decimal("1.50"), decimal.Decimal("2.25")] * 3, pa.decimal128(5, 2)),
        "g_struct": pa.array([{"x": i % 2} for i in range(N)]),
        "g_list": pa.array([[i % 2] for i in range(N)]),
        "w_u16": pa.array([1, 2, 1, 2, 1, 2], pa.uint16()),
    }
)
pq.write_table(table, "types.parquet")
feather.write_feather(table, "types.arrow")

half = pa.table({"score": pa.array(SCORES, pa.float16()), "y": pa.array(LABELS, pa.int8())})
pq.write_table(half, "float16.parquet")

frame = pd.DataFrame(
    {
        "score": SCORES,
        "y": pd.array(LABELS, dtype="int8"),
        "g": pd.Categorical(["a", "b", "a", "b", "a", None]),
        "n": pd.array([1, 2, None, 4, 5, 6], dtype="Int16"),
    }
)
frame.to_parquet("pandas.parquet")
