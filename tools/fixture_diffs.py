#!/usr/bin/env python3
"""Per-prompt entropies of `territory entropies` output against a fixture's reference and envelope.

For each OUT.jsonl (one model of a calm pair, one dtype) prints the max and mean |entropy - reference|
over (prompt, layer, head), whether the token ids equal the reference's, and beside them HF's own
GPU-vs-CPU bfloat16 spread from reference/envelope/ (max and mean |gpu16b - cpu16b|), the yardstick
of the bfloat16 tolerances (fixtures README: max within 1.5x, mean within 2x).

    python3 tools/fixture_diffs.py FIXTURES_DIR PAIR ROLE DTYPE OUT.jsonl [OUT.jsonl ...]
"""
import json
import sys
from pathlib import Path

import numpy as np


def main():
    fixtures, pair, role, dtype, outs = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    ref = json.load(open(fixtures / f"reference/{pair}.{dtype}.json"))[role]
    want = np.array(ref["seeds"][0]["per_prompt_entropies"])
    ids = [t["input_ids"] for t in ref["tokens"]]
    env = json.load(open(fixtures / f"reference/envelope/{pair}.envelope.json"))["variants"]
    spread = np.abs(np.array(env["gpu16b"][role]["per_prompt_entropies"]) - np.array(env["cpu16b"][role]["per_prompt_entropies"]))
    for out in outs:
        rows = sorted((json.loads(line) for line in open(out)), key=lambda r: r["promptIndex"])
        got = np.array([r["entropies"] for r in rows])
        d = np.abs(got - want)
        same_ids = all(r["inputIds"] == i for r, i in zip(rows, ids))
        print(json.dumps({"file": Path(out).name, "pair": pair, "role": role, "reference": dtype,
                          "max": float(d.max()), "mean": float(d.mean()), "within_1e-4": float((d <= 1e-4).mean()),
                          "ids_equal": same_ids, "envelope_max": float(spread.max()), "envelope_mean": float(spread.mean()),
                          "max_ratio": float(d.max() / spread.max()), "mean_ratio": float(d.mean() / spread.mean())}))


if __name__ == "__main__":
    main()
