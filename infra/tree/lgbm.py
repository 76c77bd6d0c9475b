#!/usr/bin/env python3
"""The tree reference's fitting: LightGBM on the tables `npm run bench:tree` writes.

Reads DIR/jobs.json; for each job, fits one model per horizon (regression: L1 on the change from persistence,
the error the project scores) or one multiclass model (fault), early-stopped on the latest 10 % of the job's
training windows by issue time (training data only), and writes the validation outputs as float64 to the job's
`out` file: n x horizons changes, or n x classes probabilities; DIR/report.json says each job's rounds and its
columns with the largest share of the trees' gain. Fixed parameters, the same for every task,
fold and seed: nothing here is tuned on a validation fold.

Usage: python3 infra/tree/lgbm.py DIR
"""
import json
import os
import sys
import time

import lightgbm as lgb
import numpy as np

PARAMS = {
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbosity": -1,
    "deterministic": True,
    "force_row_wise": True,
}
MAX_ROUNDS = 2000
PATIENCE = 50
EARLY_STOP_SHARE = 0.1


def read(path, dtype, shape):
    a = np.fromfile(path, dtype=dtype)
    return a.reshape(shape)


def split_by_time(order, keep):
    """Indices of the rows kept (the earlier 90 % by issue time) and of the early-stopping rows (the latest 10 %)."""
    idx = np.flatnonzero(keep)
    if len(idx) < 20:
        raise SystemExit(f"too few labelled training rows ({len(idx)})")
    cut = np.quantile(order[idx], 1 - EARLY_STOP_SHARE)
    late = order[idx] > cut
    if late.sum() == 0 or late.sum() == len(idx):
        late = np.zeros(len(idx), dtype=bool)
        late[-max(1, len(idx) // 10):] = True
    return idx[~late], idx[late]


def fit(params, X, y, order, keep, max_rounds=MAX_ROUNDS):
    fit_rows, stop_rows = split_by_time(order, keep)
    train = lgb.Dataset(X[fit_rows], y[fit_rows], free_raw_data=True)
    stop = lgb.Dataset(X[stop_rows], y[stop_rows], reference=train)
    booster = lgb.train(params, train, max_rounds, valid_sets=[stop], callbacks=[lgb.early_stopping(PATIENCE, verbose=False)])
    return booster


def run(job, root, seed, threads, max_rounds):
    cols = job["columns"]
    X = read(os.path.join(root, job["train"]["x"]), np.float32, (job["train"]["n"], cols))
    order = read(os.path.join(root, job["train"]["order"]), np.float64, (job["train"]["n"],))
    V = read(os.path.join(root, job["validation"]["x"]), np.float32, (job["validation"]["n"], cols))
    base = {**PARAMS, "seed": seed, "num_threads": threads}
    rounds = []
    gain = np.zeros(cols)
    if job["kind"] == "regression":
        h = job["horizons"]
        Y = read(os.path.join(root, job["train"]["labels"]), np.float64, (job["train"]["n"], h))
        out = np.full((job["validation"]["n"], h), np.nan)
        for k in range(h):
            keep = np.isfinite(Y[:, k])
            booster = fit({**base, "objective": "l1", "metric": "l1"}, X, Y[:, k], order, keep, max_rounds)
            rounds.append(booster.best_iteration)
            gain += booster.feature_importance("gain", iteration=booster.best_iteration)
            out[:, k] = booster.predict(V, num_iteration=booster.best_iteration)
    else:
        classes = job["classes"]
        y = read(os.path.join(root, job["train"]["labels"]), np.float64, (job["train"]["n"],))
        keep = y >= 0
        booster = fit({**base, "objective": "multiclass", "num_class": classes, "metric": "multi_logloss"}, X, y, order, keep, max_rounds)
        rounds.append(booster.best_iteration)
        gain += booster.feature_importance("gain", iteration=booster.best_iteration)
        out = booster.predict(V, num_iteration=booster.best_iteration).reshape(job["validation"]["n"], classes)
    np.ascontiguousarray(out, dtype=np.float64).tofile(os.path.join(root, job["out"]))
    names = job.get("names") or [str(i) for i in range(cols)]
    share = gain / gain.sum() if gain.sum() > 0 else gain
    top = [{"column": names[i], "gain": float(share[i])} for i in np.argsort(-share)[:10]]
    return rounds, top


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: lgbm.py DIR")
    root = sys.argv[1]
    with open(os.path.join(root, "jobs.json")) as f:
        spec = json.load(f)
    threads = spec.get("threads") or os.cpu_count() or 1
    max_rounds = spec.get("max_rounds") or MAX_ROUNDS
    report = []
    for job in spec["jobs"]:
        t0 = time.time()
        rounds, top = run(job, root, spec["seed"], threads, max_rounds)
        seconds = time.time() - t0
        report.append({"name": job["name"], "rounds": rounds, "seconds": seconds, "top_gain": top})
        print(f"[tree] {job['name']}: rounds {rounds} in {seconds:.1f} s", file=sys.stderr, flush=True)
    with open(os.path.join(root, "report.json"), "w") as f:
        json.dump({"lightgbm": lgb.__version__, "params": PARAMS, "max_rounds": max_rounds, "patience": PATIENCE, "early_stop_share": EARLY_STOP_SHARE, "jobs": report}, f)


if __name__ == "__main__":
    main()
