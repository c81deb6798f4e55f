"""How far equally valid bfloat16 implementations land from the notebook's bfloat16 reference.

Reads the per-prompt entropies of the variants that tools/bf16_hf_audit.py computed with HF
transformers (CPU default, one thread, oneDNN off, HF's graph with float32 or float64 matrix
products, GPU) and, optionally, the engine's (`territory entropies --dtype bfloat16` output,
<pair>-<role>.bf16.jsonl), and prints for each against the reference (the envelope's gpu16b, which
*.bfloat16.json equals) and against HF's CPU run (cpu16b): per-entropy max and mean |diff|, and
the |diff| of the specialization index, mean head correlation and mean head variance (the
notebook's compute_specialization_metrics on the prompt means), with the acceptance bound
max(5e-4, 2 |HF cpu16b - gpu16b|).

Usage: python3 tools/bf16_variants.py AUDIT_JSON ENVELOPE_DIR [OURS_DIR]
"""
import json
import os
import sys

import numpy as np


def metrics(per_prompt):
    h = np.asarray(per_prompt).mean(0)  # (L, H)
    corr = np.corrcoef(h.T)
    mean_corr = float(np.nanmean(corr[np.triu_indices(h.shape[1], 1)]))
    return {"specialization_index": 1.0 - mean_corr, "mean_head_correlation": mean_corr,
            "mean_head_variance": float(np.mean(np.var(h, axis=1)))}


def main():
    audit = json.load(open(sys.argv[1]))
    env_dir = sys.argv[2]
    ours_dir = sys.argv[3] if len(sys.argv) > 3 else None
    for pair in ("llama3-calm", "mistral-calm"):
        env = json.load(open(os.path.join(env_dir, f"{pair}.envelope.json")))["variants"]
        for role in ("base", "instruct"):
            key = f"{pair}-{role}"
            gpu = np.array(env["gpu16b"][role]["per_prompt_entropies"])
            cpu = np.array(env["cpu16b"][role]["per_prompt_entropies"])
            ref = metrics(gpu)
            hf = metrics(cpu)
            bound = {k: max(5e-4, 2 * abs(hf[k] - ref[k])) for k in ref}
            hf_max = np.abs(cpu - gpu).max()
            hf_mean = np.abs(cpu - gpu).mean()
            print(f"\n{key}: HF cpu16b vs gpu16b per entropy max {hf_max:.2e} mean {hf_mean:.2e}; "
                  f"bounds SI {bound['specialization_index']:.2e} var {bound['mean_head_variance']:.2e}")
            rows = {"envelope cpu16b": cpu}
            rows.update({name: np.array(v[key]) for name, v in audit["variants"].items() if key in v})
            if ours_dir and os.path.exists(os.path.join(ours_dir, f"{key}.bf16.jsonl")):
                rows["engine (ours)"] = np.array([json.loads(l)["entropies"]
                                                  for l in open(os.path.join(ours_dir, f"{key}.bf16.jsonl"))])
            for name, a in rows.items():
                m = metrics(a)
                d = {k: abs(m[k] - ref[k]) for k in m}
                flag = " MISS" if any(d[k] > bound[k] for k in d) else ""
                print(f"  {name:26s} vs gpu16b: max {np.abs(a - gpu).max():.2e} ({np.abs(a - gpu).max() / hf_max:.2f}x) "
                      f"mean {np.abs(a - gpu).mean():.2e} ({np.abs(a - gpu).mean() / hf_mean:.2f}x) | vs cpu16b: "
                      f"max {np.abs(a - cpu).max():.2e} mean {np.abs(a - cpu).mean():.2e} | |dSI| "
                      f"{d['specialization_index']:.2e} |dcorr| {d['mean_head_correlation']:.2e} "
                      f"|dvar| {d['mean_head_variance']:.2e}{flag}")


if __name__ == "__main__":
    main()
