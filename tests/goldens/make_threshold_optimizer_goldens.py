#!/usr/bin/env python3
"""Goldens from Fairlearn's ThresholdOptimizer for Fulcrum's optimizer conformance test.

How to re-run (from the repository root, Python 3.11):

    python3 -m pip install -r tests/goldens/requirements.txt
    python3 tests/goldens/make_threshold_optimizer_goldens.py

It writes tests/goldens/threshold_optimizer.json (whatever the cwd). The output is
deterministic (ThresholdOptimizer.fit draws no random numbers; no timestamps, sorted keys,
floats at full precision). It needs no network access.

To time ThresholdOptimizer.fit on a large file instead (nothing is written):

    cargo run --no-default-features -- sample --rows 1000000 --out /tmp/s1m.csv
    python3 tests/goldens/make_threshold_optimizer_goldens.py --time /tmp/s1m.csv

What is fitted: ThresholdOptimizer(estimator=<returns the score column>, prefit=True,
predict_method="predict", objective="accuracy_score", grid_size=1000 (the default),
constraints in {"demographic_parity", "true_positive_rate_parity"}, tol in {None, 0.01, 0.05}).

What `tol` means in Fairlearn 0.15 (fairlearn/postprocessing/_threshold_optimizer.py and
_relaxed_constraints.py): with tol=None (or 0) every group sits at the same grid value x of the
constraint metric; with tol > 0, `maximize_objective_with_tolerance` picks one grid value per
group such that max - min <= tol ("The range of the constraint metric's values across all the
sensitive groups is at most `tol`"). That is Fulcrum's tolerance ε (a gap = max - min), except
that Fairlearn's values are restricted to the grid k/1000 and its classifier is randomized
(each group mixes two thresholds on its convex hull). Relaxation is not supported for
equalized odds, which is therefore not a case here.

Recorded per case:
  accuracy        the randomized classifier's expected accuracy on the training data,
                  mean over rows of P(select) * y + P(reject) * (1 - y), from _pmf_predict
  y_best          Fairlearn's own objective value at the chosen grid points (should equal
                  accuracy up to rounding)
  x_best          per group, the grid value of the constraint metric Fairlearn chose
  gap             max - min of x_best (Fairlearn's _between_groups)
  expected_gap    max - min over groups of the expected constraint rate of the randomized
                  classifier (selection rate, or TPR over each group's positives)
Groups are keyed as in Fulcrum: attribute values joined with " \u00d7 ".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import warnings
from importlib.metadata import version as pkg_version
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from fairlearn.postprocessing import ThresholdOptimizer

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SEP = " \u00d7 "

LENDING = "sample_data/lending.csv"
COMPAS = "tests/data/compas.csv"

DATASETS = {
    "lending_sex_race": dict(file=LENDING, score="score", label="repaid", groups=["sex", "race"]),
    "compas_race": dict(file=COMPAS, score="decile_score", label="two_year_recid",
                        groups=["race"]),
}
CONSTRAINTS = ["demographic_parity", "true_positive_rate_parity"]
TOLERANCES = [None, 0.01, 0.05]


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A 'model' whose prediction is the score itself (the first and only feature column)."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


def load(dataset):
    path = REPO_ROOT / dataset["file"]
    df = pd.read_csv(path, dtype={g: str for g in dataset["groups"]}, keep_default_na=False,
                     na_values=[""], float_precision="round_trip")
    key = df[dataset["groups"][0]].astype(str)
    for g in dataset["groups"][1:]:
        key = key + SEP + df[g].astype(str)
    X = df[[dataset["score"]]].astype(float).to_numpy()
    y = df[dataset["label"]].astype(int).to_numpy()
    return X, y, key.to_numpy()


def fit(X, y, groups, constraints, tol):
    estimator = ScoreColumn().fit(X, y)
    optimizer = ThresholdOptimizer(estimator=estimator, constraints=constraints,
                                   objective="accuracy_score", prefit=True,
                                   predict_method="predict", tol=tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer.fit(X, y, sensitive_features=groups)
    return optimizer


def describe(optimizer, X, y, groups, constraints):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pmf = optimizer._pmf_predict(X, sensitive_features=groups)
    p_select = pmf[:, 1]
    accuracy = float(np.mean(p_select * y + (1.0 - p_select) * (1 - y)))
    rates = {}
    for key in sorted(set(groups)):
        member = groups == key
        if constraints == "demographic_parity":
            rates[key] = float(np.mean(p_select[member]))
        else:
            positives = member & (y == 1)
            rates[key] = float(np.mean(p_select[positives]))
    x_best = {str(k): float(v) for k, v in optimizer._x_best_per_group.items()}
    return {
        "accuracy": accuracy,
        "y_best": float(optimizer._y_best),
        "x_best": x_best,
        "gap": float(max(x_best.values()) - min(x_best.values())),
        "expected_rates": rates,
        "expected_gap": float(max(rates.values()) - min(rates.values())),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time", metavar="CSV", help="time fit on a lending-like CSV instead")
    args = parser.parse_args()
    if args.time:
        dataset = dict(DATASETS["lending_sex_race"], file=str(Path(args.time).resolve()))
        X, y, groups = load(dataset)
        for constraints in CONSTRAINTS:
            for tol in [None, 0.01]:
                start = time.perf_counter()
                fit(X, y, groups, constraints, tol)
                seconds = time.perf_counter() - start
                print(f"{len(y)} rows, {constraints}, tol={tol}: fit took {seconds:.2f} s")
        return

    cases = []
    hashes = {}
    for name, dataset in DATASETS.items():
        path = REPO_ROOT / dataset["file"]
        hashes[dataset["file"]] = hashlib.sha256(path.read_bytes()).hexdigest()
        X, y, groups = load(dataset)
        for constraints in CONSTRAINTS:
            for tol in TOLERANCES:
                optimizer = fit(X, y, groups, constraints, tol)
                result = describe(optimizer, X, y, groups, constraints)
                case = {
                    "name": f"{name}_{constraints}_tol_{tol}",
                    "settings": dict(dataset, positive="1"),
                    "constraints": constraints,
                    "tol": tol,
                    **result,
                }
                cases.append(case)
                print(f"{case['name']}: accuracy {result['accuracy']:.6f}, "
                      f"gap {result['gap']:.4f}, expected gap {result['expected_gap']:.4f}")
    payload = {
        "library": "fairlearn",
        "generator": "tests/goldens/make_threshold_optimizer_goldens.py",
        "versions": {p: pkg_version(p) for p in ["fairlearn", "scikit-learn", "pandas", "numpy"]}
        | {"python": ".".join(map(str, sys.version_info[:3]))},
        "grid_size": 1000,
        "objective": "accuracy_score",
        "inputs_sha256": hashes,
        "cases": cases,
    }
    out = HERE / "threshold_optimizer.json"
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        fh.write("\n")
    print(f"wrote {out} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
