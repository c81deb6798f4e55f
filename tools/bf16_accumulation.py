"""Which float32 accumulation of bfloat16-rounded inputs reproduces cuBLAS's bfloat16 GEMM, the
arithmetic of the notebook's GPU reference.

The emulation's rule is fixed (products of bf16 values are exact in float32; only the order and
the rounding of their sums can differ). cuBLAS's bf16 GEMM on Hopper runs tensor-core MMAs that
take the contraction in groups of k values and add each group's sum into a float32 accumulator.
This measures candidate orders against cuBLAS itself, on the GPU the references were made on:

  1. per GEMM: every matrix product of the replica's forward pass (tools/bf16_replica.py) on the
     first prompt of each calm model, computed by cuBLAS in bfloat16 and by each candidate; the
     share of bf16 outputs that are bit-identical;
  2. per model: the replica's per-prompt entropies with each candidate against the reference
     (the envelope's gpu16b), with the acceptance's bounds (tools/bf16_variants.py).

Candidates: f32 (torch's CPU sgemm, the engine's CPU path today), tf32 (cuBLAS float32 with TF32,
the engine's CUDA path), f64 (exact sums, one rounding), and groupG-rn / groupG-rz: each group of G
consecutive contraction terms summed exactly, added to the float32 accumulator in order, rounded to
nearest (rn) or toward zero (rz).

Usage: python3 tools/bf16_accumulation.py MODELS_DIR ENVELOPE_DIR OUT.json   (needs a CUDA GPU)
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bf16_replica as replica  # noqa: E402
from bf16_variants import metrics  # noqa: E402

GPU = "cuda"
GROUPS = (8, 16, 32)
CANDIDATES = ["cublas", "tf32", "f32", "f64"] + [f"group{g}-{m}" for g in GROUPS for m in ("rn", "rz")]


def round_toward_zero(x64):
    f = x64.float()
    over = f.double().abs() > x64.abs()
    return torch.where(over, torch.nextafter(f, torch.zeros_like(f)), f)


def grouped(a, b, g, mode):
    """a (..., M, K) @ b (..., K, N): exact sums of g consecutive terms, accumulated in float32."""
    k = a.shape[-1]
    pad = (-k) % g
    if pad:
        a = torch.nn.functional.pad(a, (0, pad))
        b = torch.nn.functional.pad(b, (0, 0, 0, pad))
    n = (k + pad) // g
    a64 = a.double().unflatten(-1, (n, g)).movedim(-2, -3)  # (..., n, M, g)
    b64 = b.double().unflatten(-2, (n, g))  # (..., n, g, N)
    partial = a64 @ b64  # (..., n, M, N), exact: 16-bit products, at most 32 of them
    acc = torch.zeros_like(partial[..., 0, :, :], dtype=torch.float32)
    for i in range(n):
        s = acc.double() + partial[..., i, :, :]
        acc = s.float() if mode == "rn" else round_toward_zero(s)
    return acc


def product(a, b, how):
    """The unrounded float32 result of a @ b (a, b hold bf16 values) under one candidate."""
    if how == "cublas":
        return (a.to(GPU).bfloat16() @ b.to(GPU).bfloat16()).float().cpu()
    if how == "tf32":
        torch.backends.cuda.matmul.allow_tf32 = True
        out = (a.to(GPU) @ b.to(GPU)).cpu()
        torch.backends.cuda.matmul.allow_tf32 = False
        return out
    if how == "f32":
        return a @ b
    if how == "f64":
        return (a.double() @ b.double()).float()
    g, mode = how[len("group"):].split("-")
    return grouped(a.to(GPU), b.to(GPU), int(g), mode).cpu()


recorded = []


def patched_matmul(a, b, how):
    if how == "record":
        recorded.append((a.clone(), b.clone()))
        how = "cublas"
    return replica.r(product(a, b, how))


def main():
    models, env_dir, out_path = sys.argv[1:4]
    torch.backends.cuda.matmul.allow_tf32 = False
    replica.matmul = patched_matmul
    result = {"gemm_identical_share": {}, "entropies": {}, "summary": {}}
    started = time.time()
    for pair in ("llama3-calm", "mistral-calm"):
        env = json.load(open(os.path.join(env_dir, f"{pair}.envelope.json")))["variants"]
        for role in ("base", "instruct"):
            key = f"{pair}-{role}"
            cfg = json.load(open(os.path.join(models, key, "config.json")))
            w = replica.read_safetensors(os.path.join(models, key, "model.safetensors"))
            tokens = env["cpu16b"][role]["tokens"]
            recorded.clear()
            replica.forward_entropies(w, cfg, tokens[0]["input_ids"], tokens[0]["attention_mask"], "record")
            shares = {}
            for how in CANDIDATES[1:]:
                same = total = 0
                for a, b in recorded:
                    ref = replica.r(product(a, b, "cublas"))
                    got = replica.r(product(a, b, how))
                    same += int((got == ref).sum())
                    total += ref.numel()
                shares[how] = same / total
            result["gemm_identical_share"][key] = shares
            print(key, "GEMM outputs identical to cuBLAS bf16:",
                  " ".join(f"{h} {s:.5f}" for h, s in shares.items()), f"({total} values)", flush=True)

            gpu = np.array(env["gpu16b"][role]["per_prompt_entropies"])
            cpu = np.array(env["cpu16b"][role]["per_prompt_entropies"])
            ref_m, hf_m = metrics(gpu), metrics(cpu)
            bound = max(5e-4, 2 * abs(hf_m["specialization_index"] - ref_m["specialization_index"]))
            hf_max, hf_mean = np.abs(cpu - gpu).max(), np.abs(cpu - gpu).mean()
            for how in CANDIDATES:
                per = np.array([replica.forward_entropies(w, cfg, t["input_ids"], t["attention_mask"], how)
                                for t in tokens])
                result["entropies"].setdefault(how, {})[key] = per.tolist()
                d = np.abs(per - gpu)
                dsi = abs(metrics(per)["specialization_index"] - ref_m["specialization_index"])
                row = {"max_ratio": float(d.max() / hf_max), "mean_ratio": float(d.mean() / hf_mean),
                       "identical_share": float((d == 0).mean()), "dsi": dsi, "dsi_bound": bound}
                result["summary"].setdefault(how, {})[key] = row
                print(f"  {how:11s} max {row['max_ratio']:.2f}x mean {row['mean_ratio']:.2f}x "
                      f"identical {row['identical_share']:.3f} |dSI| {dsi:.2e} (bound {bound:.1e})"
                      f"{' MISS' if dsi > bound or row['max_ratio'] > 1.5 or row['mean_ratio'] > 2 else ''}",
                      f"[{time.time() - started:.0f} s]", flush=True)
    json.dump(result, open(out_path, "w"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    with torch.no_grad():
        main()
