"""The engine benchmark's workload done with pandas + Fairlearn MetricFrame, for BENCHMARKS.md.

Same file (the 10M-row Parquet written by `cargo bench --bench engine`, or any size), same
columns, same 40 groups (sex × race × region), same threshold (score >= 0.5), same metrics
(counts, selection rate, TPR, FPR, TNR, FNR, precision, accuracy, base rate).

Re-run from the repository root:

    python3 -m pip install -r tests/goldens/requirements.txt pyarrow
    python3 benches/metricframe_baseline.py target/bench-data/lending-10000000.parquet

At 10M rows one MetricFrame recompute takes well over 10 minutes on 2 cores (BENCHMARKS.md uses
1M rows: `fulcrum sample --rows 1000000 --out l1m.parquet`).

It prints three timings: reading the columns with pandas, one MetricFrame recompute at new
thresholds (what a "threshold move" costs), and the end-to-end audit (read + MetricFrame).
"""

import sys
import time

import numpy as np
import pandas as pd
import sklearn.metrics as skm
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)

GROUPS = ["sex", "race", "region"]
COLUMNS = ["score", "repaid", *GROUPS]


def precision(y_true, y_pred):
    return skm.precision_score(y_true, y_pred, zero_division=0)


def base_rate(y_true, y_pred):
    return float(np.mean(y_true))


METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "tnr": true_negative_rate,
    "fnr": false_negative_rate,
    "precision": precision,
    "accuracy": skm.accuracy_score,
    "base_rate": base_rate,
}


def read(path):
    return pd.read_parquet(path, columns=COLUMNS)


def audit(frame, threshold):
    y_pred = (frame["score"].to_numpy() >= threshold).astype(int)
    sensitive = frame[GROUPS]
    result = MetricFrame(
        metrics=METRICS,
        y_true=frame["repaid"].to_numpy(),
        y_pred=y_pred,
        sensitive_features=sensitive,
    )
    return result.by_group, result.difference(), result.ratio()


def timed(label, function, repeats=3):
    best = float("inf")
    value = None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    print(f"{label}: {best:.3f} s (best of {repeats})")
    return value


def main():
    path = sys.argv[1]
    frame = timed("pandas read of the 5 columns", lambda: read(path))
    by_group, _, _ = timed("MetricFrame recompute (one threshold move)", lambda: audit(frame, 0.55))
    assert len(by_group) == 40, len(by_group)
    timed("end to end (read + MetricFrame)", lambda: audit(read(path), 0.5))


if __name__ == "__main__":
    main()
