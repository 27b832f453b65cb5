#!/usr/bin/env python3
"""Generate the Fairlearn / Aequitas golden files for Fulcrum's conformance tests.

How to re-run (from the repository root, Python 3.11):

    python3 -m pip install -r tests/goldens/requirements.txt
    python3 tests/goldens/make_goldens.py

What it writes (always into the directory of this script, whatever the cwd):

    tests/goldens/fairlearn.json   per-group confusion counts and rates computed with
                                   fairlearn.metrics.MetricFrame (+ scikit-learn
                                   metrics), and the fairlearn summary functions
    tests/goldens/aequitas.json    aequitas Group().get_crosstabs, Bias disparities
                                   for three reference choices, Fairness (tau=0.8)

Inputs (paths relative to the repository root, as recorded in the JSON):

    tests/data/compas_two_years.csv, tests/data/compas.csv
    sample_data/lending.csv   (optional: its cases are skipped, with a printed note,
                               when the file does not exist)

The script is deterministic: no randomness, no timestamps; the JSON is pretty-printed
with sorted keys. Floats are written by json.dump (shortest repr that round-trips,
i.e. full precision). NaN and +/-inf are written as JSON null; every such value is
also listed, with its kind ("nan", "inf", "-inf"), under the top-level "nonfinite" key.

Conventions implemented here (the Rust side must match them):
  * prediction = 1 iff score >= threshold (rule "ge") or score > threshold (rule "gt");
    the threshold is the case's "default" one or, for per-group thresholds, the one of
    the row's group key.
  * y_true = 1 iff label == 1 ("positive": "1").
  * group key = attribute values joined with " \u00d7 " (space, U+00D7, space) in the
    order the attributes are listed; a null attribute value is "(missing)".
  * CSV reading: attribute columns are read as strings; only an EMPTY cell is null
    (pandas' other default NA spellings such as "NA", "null", "None" are NOT treated as
    null: keep_default_na=False, na_values=[""]). Numbers are parsed with
    float_precision="round_trip" (correctly rounded, like Rust's str::parse::<f64>).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from collections import Counter
from importlib.metadata import version as pkg_version
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn.metrics as skm

import fairlearn.metrics as flm
from aequitas.bias import Bias
from aequitas.fairness import Fairness
from aequitas.group import Group

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SEP = " \u00d7 "
MISSING = "(missing)"
TAU = 0.8

COMPAS2 = "tests/data/compas_two_years.csv"
COMPAS = "tests/data/compas.csv"
LENDING = "sample_data/lending.csv"

COMPAS_COLS = dict(score="decile_score", label="two_year_recid")
LENDING_COLS = dict(score="score", label="repaid")


def case(name, file, groups, rule, thresholds, cols, weight=None):
    return {
        "name": name,
        "file": file,
        "score": cols["score"],
        "label": cols["label"],
        "positive": "1",
        "groups": list(groups),
        "weight": weight,
        "rule": rule,
        "thresholds": thresholds,
    }


AGE_THRESHOLDS = {"Less than 25": 7, "25 - 45": 5, "Greater than 45": 3}

FAIRLEARN_CASES = [
    case("compas_race_ge5", COMPAS2, ["race"], "ge", {"default": 5}, COMPAS_COLS),
    case("compas_sex_gt6", COMPAS2, ["sex"], "gt", {"default": 6}, COMPAS_COLS),
    case("compas_race_sex_ge5", COMPAS2, ["race", "sex"], "ge", {"default": 5}, COMPAS_COLS),
    case("compas_age_per_group", COMPAS2, ["age_cat"], "ge", dict(AGE_THRESHOLDS), COMPAS_COLS),
    case("compas_race_weighted_ge5", COMPAS, ["race"], "ge", {"default": 5}, COMPAS_COLS,
         weight="priors_count_plus_1"),
    case("compas_race_sex_age_ge8", COMPAS2, ["race", "sex", "age_cat"], "ge", {"default": 8},
         COMPAS_COLS),
    case("lending_sex_race_ge05", LENDING, ["sex", "race"], "ge", {"default": 0.5}, LENDING_COLS),
    case("lending_age_region_ge06", LENDING, ["age_band", "region"], "ge", {"default": 0.6},
         LENDING_COLS),
]

AEQUITAS_CASES = [
    (case("compas_race_ge5", COMPAS2, ["race"], "ge", {"default": 5}, COMPAS_COLS), "Caucasian"),
    (case("compas_race_sex_ge5", COMPAS2, ["race", "sex"], "ge", {"default": 5}, COMPAS_COLS),
     "Caucasian" + SEP + "Male"),
    (case("compas_age_per_group", COMPAS2, ["age_cat"], "ge", dict(AGE_THRESHOLDS), COMPAS_COLS),
     "25 - 45"),
    (case("compas_race_sex_age_ge8", COMPAS2, ["race", "sex", "age_cat"], "ge", {"default": 8},
          COMPAS_COLS), "Caucasian" + SEP + "Male" + SEP + "25 - 45"),
    (case("lending_sex_race_ge05", LENDING, ["sex", "race"], "ge", {"default": 0.5},
          LENDING_COLS), "Male" + SEP + "White"),
]

WEIGHT_RULES = {
    None: None,
    # weight = priors_count + 1, as float64
    "priors_count_plus_1": lambda df: df["priors_count"].astype("float64") + 1.0,
}


# ----------------------------------------------------------------------------- data


def load_case_frame(settings):
    """Return a DataFrame with columns key, y_true, y_pred, score, w (w may be None)."""
    path = REPO_ROOT / settings["file"]
    attrs = settings["groups"]
    df = pd.read_csv(
        path,
        dtype={a: str for a in attrs},
        keep_default_na=False,
        na_values=[""],
        float_precision="round_trip",
    )
    for col in [settings["score"], settings["label"]] + attrs:
        if col not in df.columns:
            raise KeyError(f"{path}: column {col!r} missing")
    if df[settings["score"]].isna().any() or df[settings["label"]].isna().any():
        raise ValueError(f"{path}: missing score or label values")

    parts = [df[a].where(df[a].notna(), MISSING).astype(str) for a in attrs]
    key = parts[0]
    for p in parts[1:]:
        key = key + SEP + p

    score = pd.to_numeric(df[settings["score"]]).astype("float64")
    label = pd.to_numeric(df[settings["label"]])
    y_true = (label == 1).astype("int64")
    if not set(label.unique()) <= {0, 1}:
        raise ValueError(f"{path}: label not 0/1")

    thr = settings["thresholds"]
    if set(thr) == {"default"}:
        t = pd.Series(float(thr["default"]), index=df.index)
    else:
        unknown = set(key.unique()) - set(thr)
        if unknown:
            raise ValueError(f"no threshold for groups {sorted(unknown)}")
        t = key.map({k: float(v) for k, v in thr.items()}).astype("float64")
    if settings["rule"] == "ge":
        y_pred = (score >= t).astype("int64")
    elif settings["rule"] == "gt":
        y_pred = (score > t).astype("int64")
    else:
        raise ValueError(settings["rule"])

    w = None
    if settings["weight"] is not None:
        w = WEIGHT_RULES[settings["weight"]](df)

    out = pd.DataFrame({"key": key, "y_true": y_true, "y_pred": y_pred, "score": score})
    out.attrs["key_name"] = SEP.join(attrs)
    return out, w


# ----------------------------------------------------------------------------- json helpers


class NonFinite:
    def __init__(self):
        self.items = []

    def clean(self, obj, where):
        """Convert numpy/pandas scalars to Python; NaN/inf -> None (recorded)."""
        if isinstance(obj, dict):
            return {str(k): self.clean(v, where + [str(k)]) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.clean(v, where + [i]) for i, v in enumerate(obj)]
        if obj is None or obj is pd.NA or obj is pd.NaT:
            if obj is not None:
                self.items.append({"path": where, "kind": "nan"})
            return None
        if isinstance(obj, (bool, np.bool_)):
            return bool(obj)
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            f = float(obj)
            if math.isnan(f):
                self.items.append({"path": where, "kind": "nan"})
                return None
            if math.isinf(f):
                self.items.append({"path": where, "kind": "inf" if f > 0 else "-inf"})
                return None
            return f
        if isinstance(obj, str):
            return obj
        raise TypeError(f"unexpected {type(obj)} at {where}")


def versions():
    return {p: pkg_version(p) for p in
            ["fairlearn", "aequitas", "scikit-learn", "pandas", "numpy", "scipy"]} | {
        "python": ".".join(map(str, sys.version_info[:3]))}


def input_hashes(case_list):
    """sha256 of every input file actually used, keyed by its repo-relative path."""
    out = {}
    for s in case_list:
        p = REPO_ROOT / s["file"]
        if s["file"] not in out and p.exists():
            out[s["file"]] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def write_json(path, payload):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


# ----------------------------------------------------------------------------- fairlearn


def _cm(y_true, y_pred, sample_weight=None):
    # [[tn, fp], [fn, tp]] with labels=[0, 1]
    return skm.confusion_matrix(y_true, y_pred, labels=[0, 1], sample_weight=sample_weight).ravel()


def m_tn(y_true, y_pred, sample_weight=None):
    return _cm(y_true, y_pred, sample_weight)[0]


def m_fp(y_true, y_pred, sample_weight=None):
    return _cm(y_true, y_pred, sample_weight)[1]


def m_fn(y_true, y_pred, sample_weight=None):
    return _cm(y_true, y_pred, sample_weight)[2]


def m_tp(y_true, y_pred, sample_weight=None):
    return _cm(y_true, y_pred, sample_weight)[3]


def m_weight(y_true, y_pred, sample_weight=None):
    if sample_weight is None:
        return len(y_true)
    return np.sum(np.asarray(sample_weight, dtype="float64"))


def m_base_rate(y_true, y_pred, sample_weight=None):
    return flm.selection_rate(y_true, y_true, sample_weight=sample_weight)


FAIRLEARN_METRICS = {
    "count": flm.count,
    "weight": m_weight,
    "tp": m_tp,
    "fp": m_fp,
    "tn": m_tn,
    "fn": m_fn,
    "selection_rate": flm.selection_rate,
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "tnr": flm.true_negative_rate,
    "fnr": flm.false_negative_rate,
    "precision": skm.precision_score,
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
    "f1": skm.f1_score,
    "base_rate": m_base_rate,
}
COUNT_METRICS = ["count", "weight", "tp", "fp", "tn", "fn"]
RATE_METRICS = [m for m in FAIRLEARN_METRICS if m not in COUNT_METRICS]


def run_fairlearn_case(settings):
    data, w = load_case_frame(settings)
    y_true, y_pred = data["y_true"], data["y_pred"]
    sf = data["key"].rename(data.attrs["key_name"])
    sample_params = None
    if w is not None:
        sample_params = {m: {"sample_weight": w.to_numpy()} for m in FAIRLEARN_METRICS
                         if m != "count"}
    sw = None if w is None else w.to_numpy()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mf = flm.MetricFrame(metrics=FAIRLEARN_METRICS, y_true=y_true, y_pred=y_pred,
                             sensitive_features=sf, sample_params=sample_params)
        by_group = mf.by_group
        groups = {str(k): {m: by_group[m].loc[k] for m in FAIRLEARN_METRICS}
                  for k in by_group.index}
        overall = {m: mf.overall[m] for m in FAIRLEARN_METRICS}
        # MetricFrame stores every metric as float64. Counts are integral; write them as
        # JSON integers (count always; weight/tp/fp/tn/fn when the case is unweighted).
        int_metrics = ["count"] if w is not None else COUNT_METRICS
        for rec in list(groups.values()) + [overall]:
            for m in int_metrics:
                v = float(rec[m])
                assert v.is_integer(), (m, v)
                rec[m] = int(v)
        diff = mf.difference()
        rat = mf.ratio()
        differences = {m: diff[m] for m in RATE_METRICS}
        ratios = {m: rat[m] for m in RATE_METRICS}

        kw = dict(sensitive_features=sf, sample_weight=sw)
        summary = {
            "demographic_parity_difference": flm.demographic_parity_difference(y_true, y_pred, **kw),
            "demographic_parity_ratio": flm.demographic_parity_ratio(y_true, y_pred, **kw),
            "equal_opportunity_difference": flm.equal_opportunity_difference(y_true, y_pred, **kw),
            "equal_opportunity_ratio": flm.equal_opportunity_ratio(y_true, y_pred, **kw),
            "equalized_odds_difference": flm.equalized_odds_difference(
                y_true, y_pred, agg="worst_case", **kw),
            "equalized_odds_ratio": flm.equalized_odds_ratio(
                y_true, y_pred, agg="worst_case", **kw),
        }
    notes = Counter(f"{x.category.__name__}: {str(x.message).splitlines()[0][:90]}"
                    for x in caught)
    return {
        "name": settings["name"],
        "settings": settings,
        "groups": groups,
        "overall": overall,
        "summary": summary,
        "differences": differences,
        "ratios": ratios,
    }, notes


# ----------------------------------------------------------------------------- aequitas

AEQ_GROUP_COLS = ["group_size", "tp", "fp", "tn", "fn", "tpr", "tnr", "fpr", "fnr",
                  "precision", "npv", "fdr", "for", "pprev", "ppr", "prev",
                  # extra columns get_crosstabs also returns
                  "accuracy", "pp", "pn", "k", "group_label_pos", "group_label_neg",
                  "total_entities"]


def run_aequitas_case(settings, named_ref):
    data, w = load_case_frame(settings)
    if w is not None:
        raise ValueError("aequitas does not support sample weights")
    attr = data.attrs["key_name"]
    # Aequitas' expected layout: binary 'score' (our prediction), 'label_value', and a
    # string (object dtype) attribute column.
    df = pd.DataFrame({
        "score": data["y_pred"].astype("int64"),
        "label_value": data["y_true"].astype("int64"),
        attr: data["key"].astype(object),
    })
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        xtab, attr_cols = Group().get_crosstabs(df, attr_cols=[attr])
        assert attr_cols == [attr]
        xtab = xtab.reset_index(drop=True)
        groups = {}
        for _, row in xtab.iterrows():
            groups[str(row["attribute_value"])] = {c: row[c] for c in AEQ_GROUP_COLS}

        b = Bias()
        refs = {
            "largest": b.get_disparity_major_group(xtab.copy(), original_df=df.copy()),
            "min": b.get_disparity_min_metric(xtab.copy(), original_df=df.copy()),
            "named": b.get_disparity_predefined_groups(
                xtab.copy(), original_df=df.copy(), ref_groups_dict={attr: named_ref}),
        }
        disparities, fairness = {}, {}
        parity_cols = None
        for ref_name, bdf in refs.items():
            dcols = sorted(c for c in bdf.columns
                           if c.endswith("_disparity") or c.endswith("_ref_group_value"))
            disparities[ref_name] = {
                str(r["attribute_value"]): {c: r[c] for c in dcols} for _, r in bdf.iterrows()}
            f = Fairness()
            fdf = f.get_group_value_fairness(bdf.copy(), tau=TAU)
            cols = sorted(f.list_parities(fdf))
            if parity_cols is None:
                parity_cols = cols
            assert cols == parity_cols
            fairness[ref_name] = {
                str(r["attribute_value"]): {c: r[c] for c in cols} for _, r in fdf.iterrows()}
    notes = Counter(f"{x.category.__name__}: {str(x.message).splitlines()[0][:90]}"
                    for x in caught)
    return {
        "name": settings["name"],
        "settings": settings,
        "attribute_column": attr,
        "named_reference": named_ref,
        "groups": groups,
        "disparities": disparities,
        "fairness": fairness,
        "fairness_tau": TAU,
        "parity_columns": parity_cols,
    }, notes


# ----------------------------------------------------------------------------- main


def available(settings):
    if (REPO_ROOT / settings["file"]).exists():
        return True
    print(f"  NOTE: skipping case {settings['name']}: {settings['file']} does not exist")
    return False


def main():
    vers = versions()
    print("versions:", vers)

    nf = NonFinite()
    cases = []
    print("fairlearn cases:")
    for s in FAIRLEARN_CASES:
        if not available(s):
            continue
        res, notes = run_fairlearn_case(s)
        cases.append(nf.clean(res, [s["name"]]))
        print(f"  {s['name']}: {len(res['groups'])} groups; warnings: {dict(notes) or 'none'}")
    fl_payload = {"library": "fairlearn", "versions": vers,
                  "generator": "tests/goldens/make_goldens.py",
                  "inputs_sha256": input_hashes(FAIRLEARN_CASES),
                  "cases": cases, "nonfinite": nf.items}
    write_json(HERE / "fairlearn.json", fl_payload)
    print(f"  wrote {HERE / 'fairlearn.json'} ({len(cases)} cases, {len(nf.items)} null values)")
    for item in nf.items:
        print("   nonfinite:", item)

    nf = NonFinite()
    cases = []
    print("aequitas cases:")
    for s, ref in AEQUITAS_CASES:
        if not available(s):
            continue
        res, notes = run_aequitas_case(s, ref)
        cases.append(nf.clean(res, [s["name"]]))
        print(f"  {s['name']}: {len(res['groups'])} groups; warnings: {dict(notes) or 'none'}")
    aq_payload = {"library": "aequitas", "versions": vers,
                  "generator": "tests/goldens/make_goldens.py",
                  "fill_divbyzero": Bias().fill_divbyzero,
                  "inputs_sha256": input_hashes([c for c, _ in AEQUITAS_CASES]),
                  "cases": cases, "nonfinite": nf.items}
    write_json(HERE / "aequitas.json", aq_payload)
    print(f"  wrote {HERE / 'aequitas.json'} ({len(cases)} cases, {len(nf.items)} null values)")
    kinds = Counter((i["path"][0], i["kind"]) for i in nf.items)
    for k, n in sorted(kinds.items()):
        print(f"   nonfinite: {k}: {n}")


if __name__ == "__main__":
    main()
