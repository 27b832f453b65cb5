"""Writes the typed fixtures tests/hostile.rs reads: files as pandas and pyarrow write them, with
integer labels of every width (signed and unsigned), text labels, dictionaries (pandas
categoricals) of every index width, large and view strings, decimals, dates, timestamps with and
without a time zone, structs, lists, maps, binary and half-precision floats.

`plain.parquet` is their plain twin: the same rows with every column in a plain type (float64
scores and weights, int64 0/1 labels, numeric attributes as int64/float64, the others as the text
Fulcrum shows for each typed level).
The tests audit each typed column and the plain twin's column of the same name and require the
same numbers.

Deterministic; re-run from this directory with pyarrow and pandas installed
(`python3 make_types.py`)."""

import datetime
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

SCORES = [0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.55, 0.45]
LABELS = [0, 1, 0, 1, 1, 1, 0, 0]
N = len(SCORES)
# Two levels, not aligned with the labels, so that groups differ in their rates.
TWO = [i % 2 for i in range(N)]
THREE = [i % 3 for i in range(N)]
WEIGHTS = [1, 2, 1, 2, 3, 1, 2, 1]


def dictionary(values, index):
    """Text values dictionary-encoded with the given index type."""
    return pa.DictionaryArray.from_arrays(
        pa.array([sorted(set(values)).index(v) for v in values], index),
        pa.array(sorted(set(values))),
    )


LETTERS = ["a", "b", "c"]
G_TEXT = [LETTERS[t] for t in THREE]
STAMPS = [datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=t) for t in TWO]

typed = {
    # Scores.
    "score": pa.array(SCORES),
    "score_f32": pa.array(SCORES, pa.float32()),
    "score_dec": pa.array([decimal.Decimal(str(s)) for s in SCORES], pa.decimal128(5, 2)),
    "score_i16": pa.array([int(s * 100) for s in SCORES], pa.int16()),
    "score_u32": pa.array([int(s * 100) for s in SCORES], pa.uint32()),
    "score_f16": pa.array(np.array(SCORES, dtype=np.float16)),
    # Labels of every integer width, boolean and text.
    "y": pa.array(LABELS),
    "y_i8": pa.array(LABELS, pa.int8()),
    "y_i16": pa.array(LABELS, pa.int16()),
    "y_i32": pa.array(LABELS, pa.int32()),
    "y_u8": pa.array(LABELS, pa.uint8()),
    "y_u16": pa.array(LABELS, pa.uint16()),
    "y_u32": pa.array(LABELS, pa.uint32()),
    "y_u64": pa.array(LABELS, pa.uint64()),
    "y_bool": pa.array([bool(v) for v in LABELS]),
    "y_str": pa.array(["yes" if v else "no" for v in LABELS]),
    # Attributes.
    "g_i8": pa.array([1 + t for t in TWO], pa.int8()),
    "g_u64": pa.array([7 + t for t in THREE], pa.uint64()),
    "g_bool": pa.array([bool(t) for t in TWO]),
    "g_cat": pa.array(G_TEXT).dictionary_encode(),
    "g_dict_i8": dictionary(G_TEXT, pa.int8()),
    "g_dict_i16": dictionary(G_TEXT, pa.int16()),
    "g_dict_i64": dictionary(G_TEXT, pa.int64()),
    "g_dict_u8": dictionary(G_TEXT, pa.uint8()),
    "g_dict_u32": dictionary(G_TEXT, pa.uint32()),
    "g_large": pa.array(G_TEXT, pa.large_string()),
    "g_view": pa.array(G_TEXT).cast(pa.string_view()),
    "g_date": pa.array([datetime.date(2020, 1, 1 + t) for t in TWO], pa.date32()),
    "g_ts": pa.array([1_000_000 * t for t in TWO], pa.timestamp("us")),
    "g_tz": pa.array(STAMPS, pa.timestamp("us", tz="UTC")),
    "g_dec": pa.array([decimal.Decimal("1.50"), decimal.Decimal("2.25")] * (N // 2), pa.decimal128(5, 2)),
    "g_struct": pa.array([{"x": t} for t in TWO]),
    "g_list": pa.array([[t] for t in TWO]),
    # Weights.
    "w_u16": pa.array(WEIGHTS, pa.uint16()),
    "w_f32": pa.array(WEIGHTS, pa.float32()),
    # Never mapped: must not stop a load, nor the window's preview.
    "m_map": pa.array([[("k", t)] for t in TWO], pa.map_(pa.string(), pa.int32())),
    "m_bin": pa.array([bytes([t, 0xFF]) for t in TWO], pa.binary()),
    "m_f16": pa.array(np.array(SCORES, dtype=np.float16)),
    # A time zone inside a struct: read, but polars cannot write it as text (the preview marks it).
    "m_struct_tz": pa.array([{"at": s} for s in STAMPS], pa.struct([("at", pa.timestamp("us", tz="UTC"))])),
}
table = pa.table(typed)
pq.write_table(table, "types.parquet")
feather.write_feather(table, "types.arrow")


def text(values):
    return pa.array(values, pa.string())


# The plain twin: the same data in plain types. Scores and weights as float64 (a float32 is
# widened exactly, a decimal read as the float it names), labels as int64 0/1, numeric attributes
# as int64 or float64, the others as the text Fulcrum shows for each typed level (a timestamp
# with a time zone in UTC).
# (`float()` of each value: pyarrow's decimal-to-double cast is not correctly rounded, 0.70 became
# 0.7000000000000001; Python's float of a Decimal is, as Fulcrum's reading is.)
plain_scores = {
    name: pa.array([float(v) for v in typed[name].to_pylist()], pa.float64())
    for name in typed
    if name.startswith("score")
}
plain_labels = {name: pa.array(LABELS, pa.int64()) for name in typed if name.startswith("y")}
plain = pa.table(
    {
        **plain_scores,
        **plain_labels,
        "g_i8": pa.array([1 + t for t in TWO], pa.int64()),
        "g_u64": pa.array([7 + t for t in THREE], pa.int64()),
        "g_bool": text(["true" if t else "false" for t in TWO]),
        **{name: text(G_TEXT) for name in ["g_cat", "g_dict_i8", "g_dict_i16", "g_dict_i64", "g_dict_u8", "g_dict_u32", "g_large", "g_view"]},
        "g_date": text([f"2020-01-0{1 + t}" for t in TWO]),
        "g_ts": text([f"1970-01-01 00:00:0{t}.000000" for t in TWO]),
        "g_tz": text([f"2020-01-01 1{2 + t}:00:00.000000 UTC" for t in TWO]),
        "g_dec": pa.array([1.5, 2.25] * (N // 2), pa.float64()),
        "g_struct": text([f"{{{t}}}" for t in TWO]),
        "w_u16": pa.array(WEIGHTS, pa.float64()),
        "w_f32": pa.array(WEIGHTS, pa.float64()),
    }
)
pq.write_table(plain, "plain.parquet")

half = pa.table({"score": pa.array(np.array(SCORES, dtype=np.float16)), "y": pa.array(LABELS, pa.int8())})
pq.write_table(half, "float16.parquet")

frame = pd.DataFrame(
    {
        "score": [0.1, 0.9, 0.3, 0.7, 0.2, 0.8],
        "y": pd.array([0, 1, 0, 1, 0, 1], dtype="int8"),
        "g": pd.Categorical(["a", "b", "a", "b", "a", None]),
        "n": pd.array([1, 2, None, 4, 5, 6], dtype="Int16"),
    }
)
frame.to_parquet("pandas.parquet")

# A column type polars cannot read at all (a union), beside a normal score and label: loading
# or previewing the file is an error naming it, never a crash.
union = pa.UnionArray.from_sparse(
    pa.array([0, 1] * (N // 2), pa.int8()), [pa.array(list(range(N))), pa.array(G_TEXT)]
)
feather.write_feather(pa.table({"score": pa.array(SCORES), "y": pa.array(LABELS), "m_union": union}), "union.arrow")
