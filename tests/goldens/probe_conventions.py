#!/usr/bin/env python3
"""Probe Fairlearn 0.15.0 / scikit-learn / Aequitas 1.1.0 edge-case conventions on tiny
hand-made inputs and print what the libraries return. Reads no files, writes no files.

Run from the repository root:  python3 tests/goldens/probe_conventions.py
Its output is quoted in tests/goldens/README.md ("Observed conventions").
"""

import warnings

import numpy as np
import pandas as pd
import sklearn.metrics as skm

import fairlearn.metrics as flm
from fairlearn.metrics._fairness_metrics import _get_eo_frame
from aequitas.bias import Bias
from aequitas.fairness import Fairness
from aequitas.group import Group

warnings.simplefilter("ignore")


def show(label, value):
    print(f"  {label:<72} -> {value!r}")


print("== Fairlearn / scikit-learn ==")
# group with no positives (y_true all 0)
yt, yp = [0, 0, 0], [0, 1, 0]
show("tpr, y_true=[0,0,0] y_pred=[0,1,0] (no positives)", float(flm.true_positive_rate(yt, yp)))
show("fnr, same (no positives)", float(flm.false_negative_rate(yt, yp)))
show("fpr, same", float(flm.false_positive_rate(yt, yp)))
yt, yp = [1, 1, 1], [0, 1, 1]
show("fpr, y_true=[1,1,1] y_pred=[0,1,1] (no negatives)", float(flm.false_positive_rate(yt, yp)))
show("tnr, same (no negatives)", float(flm.true_negative_rate(yt, yp)))
yt, yp = [1, 1], [1, 1]
show("fpr/tnr, y_true=y_pred=[1,1] (single label, labels=[int64.min,1])",
     (float(flm.false_positive_rate(yt, yp)), float(flm.true_negative_rate(yt, yp))))
yt, yp = [0, 1, 1], [0, 0, 0]
show("precision_score, no predicted positives y_true=[0,1,1] y_pred=[0,0,0]",
     float(skm.precision_score(yt, yp)))
show("f1_score, same (tp=0, fn=2)", float(skm.f1_score(yt, yp)))
show("f1_score, y_true=[0,0] y_pred=[0,0] (no true nor predicted positives)",
     float(skm.f1_score([0, 0], [0, 0])))
show("balanced_accuracy, y_true=[0,0,0] y_pred=[0,1,0] (single true class)",
     float(skm.balanced_accuracy_score([0, 0, 0], [0, 1, 0])))
show("balanced_accuracy, y_true=[1] y_pred=[0]", float(skm.balanced_accuracy_score([1], [0])))
show("balanced_accuracy, y_true=[0,0] y_pred=[0,0] (1x1 matrix)",
     float(skm.balanced_accuracy_score([0, 0], [0, 0])))
show("balanced_accuracy weighted, y_true=[0,0,1] y_pred=[0,1,1] w=[1,2,3]",
     float(skm.balanced_accuracy_score([0, 0, 1], [0, 1, 1], sample_weight=[1, 2, 3])))

# MetricFrame difference / ratio
yt = np.array([1, 1, 0, 0, 1, 0])
yp = np.array([0, 0, 0, 0, 0, 0])
sf = np.array(["a", "a", "a", "b", "b", "b"])
mf = flm.MetricFrame(metrics={"sel": flm.selection_rate, "tpr": flm.true_positive_rate},
                     y_true=yt, y_pred=yp, sensitive_features=sf)
show("MetricFrame all selection rates 0: by_group sel", mf.by_group["sel"].tolist())
show("  .difference()['sel'] (max-min)", float(mf.difference()["sel"]))
show("  .ratio()['sel'] (min/max = 0/0)", float(mf.ratio()["sel"]))
show("  demographic_parity_ratio (same data)",
     float(flm.demographic_parity_ratio(yt, yp, sensitive_features=sf)))
yp2 = np.array([1, 0, 0, 0, 0, 0])
show("equalized_odds_ratio: tpr ratio 0/0.5=0, fpr ratio 0/0=NaN -> min(tpr_r, fpr_r)",
     float(flm.equalized_odds_ratio(yt, yp2, sensitive_features=sf)))
show("  eo frame ratio() [tpr, fpr]", _get_eo_frame(
    yt, yp2, sf, None).ratio().tolist())
yp3 = np.array([0, 0, 1, 0, 0, 0])  # tpr all 0 -> tpr ratio NaN; fpr (a: 1, b: 0) -> 0
show("equalized_odds_ratio: tpr ratio NaN (first), fpr ratio 0 -> builtin min",
     float(flm.equalized_odds_ratio(yt, yp3, sensitive_features=sf)))
show("equalized_odds_difference, same", float(flm.equalized_odds_difference(yt, yp3,
                                                                           sensitive_features=sf)))
# weights
w = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 3.0])
mfw = flm.MetricFrame(metrics={"sel": flm.selection_rate}, y_true=yt, y_pred=yp2,
                      sensitive_features=sf, sample_params={"sel": {"sample_weight": w}})
show("selection_rate for a group whose weights are all 0 (0/0)", mfw.by_group["sel"].tolist())

print("== Aequitas ==")
b = Bias()
show("Bias().fill_divbyzero (default)", b.fill_divbyzero)
show("Bias(fill_divbyzero=0).fill_divbyzero ('if not' treats 0 as unset)",
     Bias(fill_divbyzero=0).fill_divbyzero)
# groups: A (ref, tpr 0), B (tpr > 0), C (no positives -> tpr NaN), D tie size with A
df = pd.DataFrame({
    "score":       [0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1],
    "label_value": [1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0],
    "attr":        ["D", "D", "D", "D", "A", "A", "C", "C", "B", "B", "B", "B"],
})
# sizes: A 2, B 4, C 2, D 4  -> tie B/D for largest; D rows come first in the input,
# pprev is 0.5 in every group (a 4-way tie for the min-metric reference)
xt, _ = Group().get_crosstabs(df, attr_cols=["attr"])
xt = xt.reset_index(drop=True)
print(xt[["attribute_value", "group_size", "tp", "fp", "tn", "fn", "tpr", "fpr", "precision",
          "ppr", "pprev", "prev"]].to_string())
maj = b.get_disparity_major_group(xt.copy(), df)
show("largest ref (tie B/D size 4, D first in input; crosstab rows sorted)", maj["tpr_ref_group_value"].iloc[0])
mn = b.get_disparity_min_metric(xt.copy(), df)
print(mn[["attribute_value", "tpr", "tpr_disparity", "tpr_ref_group_value", "fpr",
          "fpr_disparity", "fpr_ref_group_value", "precision", "precision_disparity",
          "precision_ref_group_value", "pprev", "pprev_ref_group_value"]].to_string())
nm = b.get_disparity_predefined_groups(xt.copy(), df, ref_groups_dict={"attr": "A"})
print(nm[["attribute_value", "tpr", "tpr_disparity", "fpr", "fpr_disparity"]].to_string())

# all-NaN metric for min-metric reference
df2 = pd.DataFrame({"score": [0, 0, 0, 0], "label_value": [0, 1, 0, 1],
                    "attr": ["Y", "Y", "X", "X"]})
xt2, _ = Group().get_crosstabs(df2, attr_cols=["attr"])
show("crosstab with no predicted positives at all: ppr (k=0)", xt2["ppr"].tolist())
mn2 = b.get_disparity_min_metric(xt2.reset_index(drop=True), df2)
show("min-metric ref when metric is NaN for every group (precision)",
     mn2[["attribute_value", "precision_ref_group_value"]].values.tolist())

f = Fairness()
show("Fairness default tau", f.tau)
show("1 / 0.8 == 1.25", 1 / 0.8 == 1.25)
ev = f.fair_eval(0.8)
for x in [0.7999999999999999, 0.8, 1.0, 1.25, 1.2500000000000002, 10.0, 0.0, float("nan")]:
    show(f"fair_eval(tau=0.8)({x!r})", ev(x))
pair = f.high_level_pair_eval("p", "q")
for p, q in [(True, True), (True, False), (True, np.nan), (False, np.nan), (np.nan, np.nan)]:
    show(f"high_level_pair_eval p={p!r} q={q!r}", pair(pd.Series({"p": p, "q": q}, dtype=object)))
