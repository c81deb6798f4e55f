"""The engine's bfloat16 emulation rewritten in Python (float32 arrays, bfloat16 rounding at the
points listed in Decoder's Javadoc), with a choice of how each matrix product accumulates.

Every variant is the same rounding model: only the order (float32 in torch's sgemm, float32 in
the reverse order over the contraction, float64 then one rounding) of the float32 sums differs,
as it differs between MKL, oneDNN and cuBLAS. How far these variants land from each other and
from HF's runs is the size of accumulation-order noise: no implementation of the rounding model
can promise to be closer to a given GPU run than that.

Usage: python3 tools/bf16_replica.py MODELS_DIR ENVELOPE_DIR OUT.json
(needs torch; the notebook's entropy arithmetic in float32 numpy, scipy's entropy)
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from scipy.stats import entropy as scipy_entropy

BF16 = torch.bfloat16


def r(x):
    return x.to(BF16).to(torch.float32)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        raw = np.frombuffer(data[a:b], dtype={"F32": np.float32, "BF16": np.uint16}[t["dtype"]])
        if t["dtype"] == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        out[name] = r(torch.from_numpy(raw.copy()).reshape(t["shape"]))  # torch_dtype=bfloat16 at load
    return out


def rope_tables(cfg, d, t):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    sc = cfg.get("rope_scaling")
    if sc and sc.get("rope_type", sc.get("type")) == "llama3":
        factor, low, high = sc["factor"], sc["low_freq_factor"], sc["high_freq_factor"]
        old = sc["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        inv = torch.where(medium, smoothed, inv_l)
    freqs = (inv[None, :, None] @ torch.arange(t)[None, None, :].float()).transpose(1, 2)[0]
    emb = torch.cat((freqs, freqs), -1)
    return r(emb.cos()), r(emb.sin())


def matmul(a, b, how):
    if how == "f64":
        return r((a.double() @ b.double()).float())
    if how == "f32rev":
        return r(a.flip(-1) @ b.flip(-2))
    return r(a @ b)


def forward_entropies(w, cfg, ids, mask, how):
    e_dim, h, kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    d = cfg.get("head_dim") or e_dim // h
    eps = cfg["rms_norm_eps"]
    t = len(ids)
    cos, sin = rope_tables(cfg, d, t)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]  # (T, E)
    visible = torch.tril(torch.ones(t, t, dtype=torch.bool)) & torch.tensor(mask, dtype=torch.bool)[None, :]
    add = torch.where(visible, torch.tensor(0.0), torch.tensor(torch.finfo(torch.float32).min))

    def norm(x, wn):
        v = x.pow(2).mean(-1, keepdim=True)
        return r(r(x * torch.rsqrt(v + eps)) * wn)

    def rope(q):
        rot = torch.cat((-q[..., d // 2:], q[..., :d // 2]), -1)
        return r(r(q * cos) + r(rot * sin))

    out = []
    for layer in range(cfg["num_hidden_layers"]):
        p = lambda n: w[f"model.layers.{layer}.{n}"]
        hs = norm(x, p("input_layernorm.weight"))
        q = matmul(hs, p("self_attn.q_proj.weight").T, how).reshape(t, h, d).transpose(0, 1)
        k = matmul(hs, p("self_attn.k_proj.weight").T, how).reshape(t, kv, d).transpose(0, 1)
        v = matmul(hs, p("self_attn.v_proj.weight").T, how).reshape(t, kv, d).transpose(0, 1)
        q, k = rope(q), rope(k)
        k = k.repeat_interleave(h // kv, 0)
        v = v.repeat_interleave(h // kv, 0)
        s = r(matmul(q, k.transpose(1, 2), how) * d ** -0.5) + add
        probs = r(torch.softmax(s, -1))  # (H, T, T)
        out.append(probs)
        o = matmul(probs, v, how).transpose(0, 1).reshape(t, h * d)
        x = r(x + matmul(o, p("self_attn.o_proj.weight").T, how))
        h2 = norm(x, p("post_attention_layernorm.weight"))
        g = matmul(h2, p("mlp.gate_proj.weight").T, how)
        u = matmul(h2, p("mlp.up_proj.weight").T, how)
        a = r(r(g / (1 + torch.exp(-g))) * u)
        x = r(x + matmul(a, p("mlp.down_proj.weight").T, how))
    e = np.zeros((len(out), h))
    for layer, probs in enumerate(out):
        for head in range(h):
            m = r(probs[head].sum(0) / t).numpy()  # torch's bfloat16 mean: float32 sum, divide, one rounding
            m = m / m.sum()
            m = m[m > 0]
            e[layer, head] = scipy_entropy(m, base=2) / np.log2(len(m)) if len(m) > 1 else 0.0
    return e


def main():
    models, env_dir, out_path = sys.argv[1:4]
    result = {"variants": {}}
    for pair in ("llama3-calm", "mistral-calm"):
        env = json.load(open(os.path.join(env_dir, f"{pair}.envelope.json")))["variants"]
        for role in ("base", "instruct"):
            key = f"{pair}-{role}"
            cfg = json.load(open(os.path.join(models, key, "config.json")))
            w = read_safetensors(os.path.join(models, key, "model.safetensors"))
            tokens = env["cpu16b"][role]["tokens"]
            for how in ("f32", "f32rev", "f64"):
                per = [forward_entropies(w, cfg, tk["input_ids"], tk["attention_mask"], how) for tk in tokens]
                result["variants"].setdefault("replica_" + how + "_matmul", {})[key] = np.array(per).tolist()
                print(key, how, flush=True)
    json.dump(result, open(out_path, "w"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    with torch.no_grad():
        main()
