#!/usr/bin/env python3
"""Reference BCa and percentile intervals from scipy.stats.bootstrap for BcaScipyTest.

Data: the first seed's per-prompt entropies [prompt][layer][head] of the llama3-gqa float32 fixture
pair (testdata/fixtures/reference/llama3-gqa.float32.json). Statistics, as the notebook computes them
on the mean over prompts: specialization_index = 1 - nanmean(upper triangle of corrcoef(heads x
layers)), mean_head_variance = mean over layers of var over heads; plus the mean entropy. Roles are
one-sample bootstraps over prompts; deltas (instruct - base) are paired over prompts (paired=True).
20,000 resamples, confidence 0.95. Prints JSON to stdout.

Usage: python3 tools/make_bca_references.py > statistics/src/test/resources/bca-scipy.json
"""
import json
import sys

import numpy as np
import scipy
from scipy.stats import bootstrap

RESAMPLES = 20000
LEVEL = 0.95
SEED = 20261203

ref = json.load(open("testdata/fixtures/reference/llama3-gqa.float32.json"))
base = np.array(ref["base"]["seeds"][0]["per_prompt_entropies"], dtype=np.float64)
instruct = np.array(ref["instruct"]["seeds"][0]["per_prompt_entropies"], dtype=np.float64)
n = base.shape[0]


def specialization_index(cube):
    heads = cube.mean(axis=0)  # (layers, heads)
    corr = np.corrcoef(heads.T)
    upper = corr[np.triu_indices_from(corr, k=1)]
    return 1.0 - np.nanmean(upper)


def mean_head_variance(cube):
    return float(np.mean(np.var(cube.mean(axis=0), axis=1)))


def mean_entropy(cube):
    return float(cube.mean())


STATS = {
    "specialization_index": specialization_index,
    "mean_head_variance": mean_head_variance,
    "mean_entropy": mean_entropy,
}


def run(data, statistic, method, paired):
    kwargs = dict(n_resamples=RESAMPLES, confidence_level=LEVEL, method=method, vectorized=False, paired=paired)
    rng = np.random.default_rng(SEED)
    try:
        res = bootstrap(data, statistic, rng=rng, **kwargs)
    except TypeError:  # scipy < 1.15 names it random_state
        res = bootstrap(data, statistic, random_state=rng, **kwargs)
    ci = res.confidence_interval
    return [float(ci.low), float(ci.high)]


idx = np.arange(n)
out = {
    "source": "testdata/fixtures/reference/llama3-gqa.float32.json, first seed's per_prompt_entropies",
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "resamples": RESAMPLES,
    "level": LEVEL,
    "seed": SEED,
    "point": {},
    "bca": {},
    "percentile": {},
}
for name, f in STATS.items():
    for role, cube in (("base", base), ("instruct", instruct)):
        key = role + "." + name
        out["point"][key] = float(f(cube))
        for method, table in (("BCa", "bca"), ("percentile", "percentile")):
            out[table][key] = run((idx,), lambda i, c=cube, f=f: f(c[i]), method, False)
    key = "delta." + name
    out["point"][key] = float(f(instruct) - f(base))
    for method, table in (("BCa", "bca"), ("percentile", "percentile")):
        out[table][key] = run((idx, idx), lambda i, j, f=f: f(instruct[j]) - f(base[i]), method, True)
    print(name, "done", file=sys.stderr)
json.dump(out, sys.stdout, indent=1)
print()
