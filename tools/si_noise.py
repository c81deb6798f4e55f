"""How far HF's own bfloat16 noise moves the specialization index.

The bfloat16 acceptance bound for the specialization index is twice ONE observed difference
(HF's CPU bfloat16 run against its GPU bfloat16 run). This script asks how large that difference
is typically: it perturbs the GPU run's per-prompt entropies by exactly HF's own CPU-vs-GPU
differences with random signs (and, second, shuffled over prompts, layers and heads) and reports
the spread of |delta SI| with the notebook's formula (SI = 1 - mean off-diagonal head correlation
of the prompt-mean entropies).

Usage: python3 tools/si_noise.py [testdata/fixtures/reference/envelope] [OURS_DIR]
OURS_DIR (optional) holds <pair>-<role>.bf16.jsonl from `territory entropies` (default dtype),
whose |delta SI| against the GPU run is then placed in that distribution.
"""
import json
import os
import sys

import numpy as np


def specialization_index(head_entropies):
    corr = np.corrcoef(head_entropies.T)
    n = head_entropies.shape[1]
    return 1.0 - float(np.mean(corr[np.triu_indices(n, 1)]))


def main():
    env_dir = sys.argv[1] if len(sys.argv) > 1 else "testdata/fixtures/reference/envelope"
    ours_dir = sys.argv[2] if len(sys.argv) > 2 else None
    rng = np.random.default_rng(0)
    for name in sorted(os.listdir(env_dir)):
        variants = json.load(open(os.path.join(env_dir, name)))["variants"]
        if "gpu16b" not in variants:
            continue
        pair = name.split(".")[0]
        for role in ("base", "instruct"):
            gpu = np.array(variants["gpu16b"][role]["per_prompt_entropies"])
            cpu = np.array(variants["cpu16b"][role]["per_prompt_entropies"])
            diff = cpu - gpu
            si = specialization_index(gpu.mean(0))
            flipped = [abs(specialization_index((gpu + rng.choice([-1, 1], size=diff.shape) * diff).mean(0)) - si)
                       for _ in range(2000)]
            shuffled = [abs(specialization_index((gpu + rng.permutation(diff.ravel()).reshape(diff.shape)).mean(0)) - si)
                        for _ in range(2000)]
            line = (f"{pair} {role}: HF cpu-vs-gpu |dSI| {abs(specialization_index(cpu.mean(0)) - si):.2e}; "
                    f"sign-flipped: median {np.median(flipped):.2e}, p95 {np.percentile(flipped, 95):.2e}; "
                    f"shuffled: median {np.median(shuffled):.2e}, p95 {np.percentile(shuffled, 95):.2e}")
            if ours_dir:
                path = os.path.join(ours_dir, f"{pair}-{role}.bf16.jsonl")
                if os.path.exists(path):
                    ours = np.array([json.loads(l)["entropies"] for l in open(path)])
                    d = abs(specialization_index(ours.mean(0)) - si)
                    line += f"; ours {d:.2e} (sign-flipped share below it {np.mean(np.array(flipped) < d):.2f})"
            print(line)


if __name__ == "__main__":
    main()
