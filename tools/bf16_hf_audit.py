"""Where HF transformers' bfloat16 arithmetic and the engine's emulation of it can differ.

Runs on a machine with torch and transformers (the device machine: torch 2.11, transformers 5.17,
the versions the fixtures' references were made with), over the calm fixture pairs, the notebook's
way (one prompt per forward pass, eager attention, the mean over query rows of the bfloat16
attentions on the CPU):

1. audit: HF's CPU bfloat16 forward pass under a dispatch mode that recomputes every aten op with
   a bfloat16 result from the same bfloat16 inputs in float32 (and float64), rounded once to
   bfloat16. The engine's rounding rule is exactly that for every op ("float32 opmath, one
   rounding"), so an elementwise op that differs would be a missed or extra rounding point; a
   matrix product may differ only where its float32 sum lies within a few float32 ulps of a
   bfloat16 rounding tie (accumulation order). Prints the op sequence of the first layer.
2. formulas: the engine's own float32 formulas where they are spelled differently from torch's
   (RMSNorm's rsqrt as sqrt(.).pow(-1), and as a division x / sqrt(.); silu as x / (1 + exp(-x)))
   on HF's own inputs.
3. variants: the notebook's per-prompt entropies under several equally valid bfloat16
   implementations: HF on the CPU (default, one thread, oneDNN off), HF on the GPU, and HF's graph
   with every bfloat16 matrix product replaced by a float32 (the engine's rule) or float64
   product of the same inputs rounded once, on the CPU and on the GPU.
4. dumps (asked for by name): per layer the residual stream (HF CPU bfloat16) and the RoPE tables.

Usage: python3 bf16_hf_audit.py WORKDIR OUTDIR [STAGES]  (WORKDIR holds models/<pair>-<role>/ and
envelope/<pair>.envelope.json; STAGES: comma-separated of variants,audit,formulas,dumps; default
the first three). tools/bf16_variants.py reads OUTDIR/audit.json.
"""
import json
import os
import sys
import time
import traceback
from collections import defaultdict

import numpy as np
import torch
from scipy.stats import entropy as scipy_entropy
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

aten = torch.ops.aten
BF16 = torch.bfloat16
PAIRS = ["llama3-calm", "mistral-calm"]
ROLES = ["base", "instruct"]

# matrix products: the one place where accumulation order may differ between correct implementations
MATMULS = {aten.mm.default, aten.bmm.default, aten.addmm.default, aten.baddbmm.default}


def bf16_bits(t):
    """bfloat16 values as ordered integers (-0 taken as +0), so that a difference counts ulps."""
    b = (t + 0.0).contiguous().view(torch.int16).to(torch.int32)
    return torch.where(b < 0, -(b & 0x7FFF), b)


def tie_distance(x32):
    """For float32 values: distance in float32 ulps from the nearest bfloat16 rounding tie."""
    low = x32.contiguous().view(torch.int32) & 0xFFFF
    return (low - 0x8000).abs()


class Audit(TorchDispatchMode):
    """Recomputes every op with a bfloat16 result in float32 and float64, rounded once to bfloat16."""

    def __init__(self, record_sequence=0):
        super().__init__()
        self.stats = defaultdict(lambda: defaultdict(int))
        self.sequence = []
        self.record = record_sequence

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        flat, _ = tree_flatten((args, kwargs))
        bf_in = any(isinstance(a, torch.Tensor) and a.dtype == BF16 for a in flat)
        refs = {}
        if bf_in:
            for name, dt in (("f32", torch.float32), ("f64", torch.float64)):
                try:
                    up = lambda a: a.to(dt) if isinstance(a, torch.Tensor) and a.dtype == BF16 else a
                    refs[name] = func(*tree_map(up, args), **tree_map(up, kwargs))
                except Exception:
                    pass
        out = func(*args, **kwargs)
        if len(self.sequence) < self.record:
            shapes = [tuple(a.shape) for a in flat if isinstance(a, torch.Tensor)]
            dts = [str(a.dtype).replace("torch.", "") for a in flat if isinstance(a, torch.Tensor)]
            od = str(out.dtype).replace("torch.", "") if isinstance(out, torch.Tensor) else type(out).__name__
            self.sequence.append(f"{func} in={list(zip(dts, shapes))} out={od}")
        if (bf_in and isinstance(out, torch.Tensor) and out.dtype == BF16 and "empty" not in str(func)
                and out.numel() > 0):
            sig = "x".join(str(tuple(a.shape)).replace(" ", "") for a in flat if isinstance(a, torch.Tensor))
            s = self.stats[f"{func} {sig}"]
            s["calls"] += 1
            s["elements"] += out.numel()
            for name in ("f32", "f64"):
                ref = refs.get(name)
                if not isinstance(ref, torch.Tensor) or ref.shape != out.shape:
                    s[name + "_unchecked"] += 1
                    continue
                rb = ref.to(BF16)
                diff = (bf16_bits(out) - bf16_bits(rb)).abs()
                bad = diff != 0
                n = int(bad.sum())
                s[name + "_mismatch"] += n
                if n:
                    s[name + "_max_ulp"] = max(s[name + "_max_ulp"], int(diff.max()))
                    if ref.dtype == torch.float32:
                        s[name + "_max_tie_distance_of_mismatch"] = max(
                            s[name + "_max_tie_distance_of_mismatch"], int(tie_distance(ref)[bad].max()))
        return out


class EmulatedMatmul(TorchDispatchMode):
    """Every bfloat16 matrix product computed in `acc` from the same inputs, rounded once."""

    def __init__(self, acc):
        super().__init__()
        self.acc = acc

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in MATMULS and any(isinstance(a, torch.Tensor) and a.dtype == BF16 for a in args):
            up = lambda a: a.to(self.acc) if isinstance(a, torch.Tensor) and a.dtype == BF16 else a
            return func(*tree_map(up, args), **tree_map(up, kwargs)).to(BF16)
        return func(*args, **kwargs)


def load(workdir, pair, role, device):
    from transformers import AutoModelForCausalLM
    path = os.path.join(workdir, "models", f"{pair}-{role}")
    try:
        m = AutoModelForCausalLM.from_pretrained(path, dtype=BF16, attn_implementation="eager")
    except TypeError:
        m = AutoModelForCausalLM.from_pretrained(path, torch_dtype=BF16, attn_implementation="eager")
    return m.to(device).eval()


def notebook_entropies(model, tokens, device, mode=None, layer_dump=None):
    """compute_head_entropy_profiles's per-prompt values, one prompt per forward pass as the notebook."""
    rows = []
    for tk in tokens:
        ids = torch.tensor([tk["input_ids"]], device=device)
        am = torch.tensor([tk["attention_mask"]], device=device)
        with torch.no_grad():
            if mode is None:
                o = model(input_ids=ids, attention_mask=am, output_attentions=True)
            else:
                with mode:
                    o = model(input_ids=ids, attention_mask=am, output_attentions=True)
        attn = torch.stack([a.squeeze(0) for a in o.attentions], dim=0).cpu()
        e = np.zeros(attn.shape[:2])
        for layer in range(attn.shape[0]):
            for head in range(attn.shape[1]):
                if mode is not None and isinstance(mode, Audit):
                    with mode:  # the notebook's bfloat16 mean over rows, audited too
                        w = attn[layer, head].mean(dim=0)
                else:
                    w = attn[layer, head].mean(dim=0)
                w = w.float().cpu().numpy()
                w = w / w.sum()
                w = w[w > 0]
                e[layer, head] = scipy_entropy(w, base=2) / np.log2(len(w)) if len(w) > 1 else 0.0
        rows.append(e)
    return np.array(rows)


def layer_outputs(model, tokens):
    """Residual stream after each decoder layer (CPU bfloat16), as int16 bits: (P, L, T, E)."""
    layers = model.model.layers
    got = []
    hooks = [l.register_forward_hook(lambda mod, i, o: got.append((o[0] if isinstance(o, tuple) else o).detach()))
             for l in layers]
    outs = []
    try:
        for tk in tokens:
            got.clear()
            with torch.no_grad():
                model(input_ids=torch.tensor([tk["input_ids"]]), attention_mask=torch.tensor([tk["attention_mask"]]))
            outs.append(torch.stack([g.reshape(g.shape[-2], g.shape[-1]) for g in got]).view(torch.int16).numpy())
    finally:
        for h in hooks:
            h.remove()
    return np.stack(outs)


def formula_checks(model, tokens):
    """The engine's float32 formulas on HF's own bfloat16 inputs: mismatch counts against HF's outputs."""
    stats = defaultdict(lambda: defaultdict(int))
    eps = model.config.rms_norm_eps
    hooks = []

    def on_norm(mod, inp, out):
        x = inp[0].float()
        v = x.mul(x).mean(-1, keepdim=True)
        ours = ((x * (v + eps).sqrt().pow(-1)).to(BF16).float() * mod.weight.float()).to(BF16)
        divided = ((x / (v + eps).sqrt()).to(BF16).float() * mod.weight.float()).to(BF16)
        torch_way = ((x * torch.rsqrt(v + eps)).to(BF16) * mod.weight).to(BF16)
        s = stats["rmsnorm"]
        s["elements"] += out.numel()
        s["engine_formula_mismatch"] += int((bf16_bits(ours) != bf16_bits(out)).sum())
        s["division_formula_mismatch"] += int((bf16_bits(divided) != bf16_bits(out)).sum())
        s["rsqrt_formula_mismatch"] += int((bf16_bits(torch_way) != bf16_bits(out)).sum())

    def on_act(mod, inp, out):
        g = inp[0].float()
        ours = (g / (1 + torch.exp(-g))).to(BF16)
        s = stats["silu"]
        s["elements"] += out.numel()
        s["engine_formula_mismatch"] += int((bf16_bits(ours) != bf16_bits(out)).sum())
        s["silu_f32_mismatch"] += int((bf16_bits(torch.nn.functional.silu(g).to(BF16)) != bf16_bits(out)).sum())

    def on_linear(name):
        def hook(mod, inp, out):
            x = inp[0].float()
            r32 = x @ mod.weight.float().T
            r64 = (inp[0].double() @ mod.weight.double().T)
            s = stats["linear." + name]
            s["elements"] += out.numel()
            bad = bf16_bits(r32.to(BF16)) != bf16_bits(out)
            s["f32_mismatch"] += int(bad.sum())
            if bad.any():
                s["f32_max_tie_distance_of_mismatch"] = max(s["f32_max_tie_distance_of_mismatch"],
                                                            int(tie_distance(r32)[bad].max()))
            s["f64_mismatch"] += int((bf16_bits(r64.to(BF16)) != bf16_bits(out)).sum())
            s["f32_vs_f64_mismatch"] += int((bf16_bits(r64.to(BF16)) != bf16_bits(r32.to(BF16))).sum())
        return hook

    for layer in model.model.layers:
        hooks.append(layer.input_layernorm.register_forward_hook(on_norm))
        hooks.append(layer.post_attention_layernorm.register_forward_hook(on_norm))
        hooks.append(layer.mlp.act_fn.register_forward_hook(on_act))
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            hooks.append(getattr(layer.self_attn, name).register_forward_hook(on_linear(name)))
        for name in ("gate_proj", "up_proj", "down_proj"):
            hooks.append(getattr(layer.mlp, name).register_forward_hook(on_linear(name)))
    try:
        for tk in tokens:
            with torch.no_grad():
                model(input_ids=torch.tensor([tk["input_ids"]]), attention_mask=torch.tensor([tk["attention_mask"]]))
    finally:
        for h in hooks:
            h.remove()
    return {k: dict(v) for k, v in stats.items()}


def rope_tables(model):
    """HF's bfloat16 cos and sin for positions 0..127 (what multiplies q and k)."""
    rot = model.model.rotary_emb
    x = torch.zeros(1, 128, model.config.hidden_size, dtype=BF16)
    cos, sin = rot(x, torch.arange(128)[None, :])
    return np.stack([cos[0].view(torch.int16).numpy(), sin[0].view(torch.int16).numpy()])


def main():
    workdir, out = sys.argv[1], sys.argv[2]
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else None
    os.makedirs(out, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    gpu = torch.cuda.is_available()
    print("torch", torch.__version__, "threads", torch.get_num_threads(), "cuda", gpu,
          "mkldnn bf16", getattr(torch.backends.mkldnn, "is_available", lambda: None)(), flush=True)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "variants": {}, "audit": {},
              "formulas": {}, "sequence": {}}
    try:
        import transformers
        result["transformers"] = transformers.__version__
    except Exception:
        pass
    dumps = {}
    stages = only or ["variants", "audit", "formulas"]
    for pair in PAIRS:
        env = json.load(open(os.path.join(workdir, "envelope", f"{pair}.envelope.json")))["variants"]
        for role in ROLES:
            key = f"{pair}-{role}"
            tokens = env["cpu16b"][role]["tokens"]
            t0 = time.time()
            try:
                cpu = load(workdir, pair, role, "cpu")
                runs = {}
                if "variants" in stages:
                    runs["cpu_default"] = lambda: notebook_entropies(cpu, tokens, "cpu")
                    runs["cpu_emulated_f32_matmul"] = lambda: notebook_entropies(cpu, tokens, "cpu", EmulatedMatmul(torch.float32))
                    runs["cpu_emulated_f64_matmul"] = lambda: notebook_entropies(cpu, tokens, "cpu", EmulatedMatmul(torch.float64))

                    def one_thread():
                        n = torch.get_num_threads()
                        torch.set_num_threads(1)
                        try:
                            return notebook_entropies(cpu, tokens, "cpu")
                        finally:
                            torch.set_num_threads(n)
                    runs["cpu_one_thread"] = one_thread

                    def no_onednn():
                        with torch.backends.mkldnn.flags(enabled=False):
                            return notebook_entropies(cpu, tokens, "cpu")
                    runs["cpu_onednn_off"] = no_onednn
                for name, fn in runs.items():
                    try:
                        result["variants"].setdefault(name, {})[key] = fn().tolist()
                    except Exception:
                        traceback.print_exc()
                def stage(name, fn):
                    if name in stages:
                        try:
                            fn()
                        except Exception:
                            traceback.print_exc()

                def audit():
                    a = Audit(record_sequence=400 if role == "instruct" else 0)
                    notebook_entropies(cpu, tokens[:3], "cpu", a)
                    result["audit"][key] = {k: dict(v) for k, v in a.stats.items()}
                    if a.sequence:
                        result["sequence"][key] = a.sequence

                def formulas():
                    result["formulas"][key] = formula_checks(cpu, tokens)

                def dump():
                    dumps[key + ".layers"] = layer_outputs(cpu, tokens)
                    dumps[key + ".rope"] = rope_tables(cpu)

                stage("audit", audit)
                stage("formulas", formulas)
                stage("dumps", dump)
                del cpu
                if gpu and "variants" in stages:
                    g = load(workdir, pair, role, "cuda")
                    for name, mode in (("gpu_default", None), ("gpu_emulated_f32_matmul", EmulatedMatmul(torch.float32))):
                        try:
                            result["variants"].setdefault(name, {})[key] = notebook_entropies(g, tokens, "cuda", mode).tolist()
                        except Exception:
                            traceback.print_exc()
                    del g
            except Exception:
                traceback.print_exc()
            print(key, "done in %.1f s" % (time.time() - t0), flush=True)
            json.dump(result, open(os.path.join(out, "audit.json"), "w"))
    if dumps:
        np.savez_compressed(os.path.join(out, "hf_cpu_bf16_layers.npz"), **dumps)
    # a summary against the envelope
    for pair in PAIRS:
        env = json.load(open(os.path.join(workdir, "envelope", f"{pair}.envelope.json")))["variants"]
        for role in ROLES:
            key = f"{pair}-{role}"
            g = np.array(env["gpu16b"][role]["per_prompt_entropies"])
            c = np.array(env["cpu16b"][role]["per_prompt_entropies"])
            for name, per in result["variants"].items():
                if key in per:
                    a = np.array(per[key])
                    print(f"{key} {name}: vs gpu16b max {np.abs(a - g).max():.2e} mean {np.abs(a - g).mean():.2e}; "
                          f"vs cpu16b max {np.abs(a - c).max():.2e} mean {np.abs(a - c).mean():.2e}", flush=True)
    for key, stats in result["audit"].items():
        for op, s in sorted(stats.items()):
            if s.get("f32_mismatch") or s.get("f64_mismatch") or op in {str(m) for m in MATMULS}:
                print("audit", key, op, dict(s), flush=True)
    for key, stats in result["formulas"].items():
        for name, s in sorted(stats.items()):
            print("formula", key, name, s, flush=True)


if __name__ == "__main__":
    main()
