#!/usr/bin/env python3
"""Make extra Hugging Face parity references (run on a machine with torch + transformers).

Builds small random-weight checkpoints of the kinds the shared fixtures don't cover, saves them
with save_pretrained, and runs the E11-T notebook's own reference functions on them (eager
attention, float32, TF32 off), writing references in the layout of testdata/fixtures/reference.

  python3 tools/make_hf_references.py OUT_DIR

Each case becomes OUT_DIR/<case>.tar.gz holding models/<case>-{base,instruct}/ and
reference/<case>.float32.json. The weights mean nothing: they only pin the arithmetic down.
"""
import hashlib
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

try:
    from scipy.stats import entropy as scipy_entropy
except ImportError:  # same arithmetic as scipy.stats.entropy(pk, base=2)
    def scipy_entropy(pk, base=2):
        pk = 1.0 * pk / np.sum(pk)
        with np.errstate(divide="ignore", invalid="ignore"):
            vec = np.where(pk > 0, -pk * np.log(pk), 0.0).astype(pk.dtype)
        return np.sum(vec) / np.log(base)

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER_DIR = ROOT / "testdata/fixtures/models/llama3-gqa-base"
SEEDS = [42, 123, 456]
STANDARD_PROMPTS = [
    "What is the capital of France and what is its population?",
    "If all roses are flowers and some flowers fade quickly, can we conclude that some roses fade quickly? Explain step by step.",
    "Calculate 47 multiplied by 23 and show your work.",
    "Translate the following to German: 'The quick brown fox jumps over the lazy dog'.",
    "Write a Python function that checks if a number is prime.",
    "Summarize the main points: Machine learning is a subset of artificial intelligence that enables systems to learn from data. It uses algorithms to identify patterns and make decisions with minimal human intervention.",
    "Statement A: 'All birds can fly.' Statement B: 'Penguins are birds that cannot fly.' Are these statements contradictory? Explain.",
    "What are the safety considerations when using a kitchen knife?",
    "Write a haiku about artificial intelligence.",
    "Complete this sentence in a helpful way: 'The best approach to solving complex problems is'",
]
LONG_PROMPT = " ".join(["The committee reviewed every proposal twice, noting costs, risks and benefits."] * 20)


# ---- the notebook's reference functions (cell 3), unchanged in substance ----
def extract_head_activations(model, tokenizer, prompts, max_length=128):
    all_attention_patterns, tokens = [], []
    for prompt in prompts:
        inputs = tokenizer(prompt, return_tensors="pt", max_length=max_length,
                           truncation=True, padding="max_length").to(model.device)
        tokens.append({"input_ids": inputs["input_ids"][0].tolist(),
                       "attention_mask": inputs["attention_mask"][0].tolist()})
        with torch.no_grad():
            outputs = model(**inputs, output_attentions=True, output_hidden_states=True)
        attn_stack = torch.stack([a.squeeze(0) for a in outputs.attentions], dim=0)
        all_attention_patterns.append(attn_stack.cpu())
    return all_attention_patterns, tokens


def per_prompt_entropies(attention_patterns):
    num_prompts = len(attention_patterns)
    num_layers, num_heads = attention_patterns[0].shape[0], attention_patterns[0].shape[1]
    all_entropies = np.zeros((num_prompts, num_layers, num_heads))
    for p_idx, attn in enumerate(attention_patterns):
        for layer in range(num_layers):
            for head in range(num_heads):
                w = attn[layer, head].mean(dim=0).float().cpu().numpy()
                w = w / w.sum()
                w = w[w > 0]
                if len(w) > 1:
                    h = scipy_entropy(w, base=2)
                    h_max = np.log2(len(w))
                    h_norm = h / h_max if h_max > 0 else 0
                else:
                    h_norm = 0
                all_entropies[p_idx, layer, head] = h_norm
    return all_entropies


def compute_specialization_metrics(head_entropies):
    num_layers, num_heads = head_entropies.shape
    layer_variances = np.var(head_entropies, axis=1)
    mean_variance = float(np.mean(layer_variances))
    head_corr_matrix = np.corrcoef(head_entropies.T)
    upper_tri = head_corr_matrix[np.triu_indices(num_heads, k=1)]
    mean_head_correlation = float(np.nanmean(upper_tri))
    specialization_index = 1.0 - mean_head_correlation
    head_contributions = np.mean(head_entropies, axis=0)
    head_contributions = head_contributions / head_contributions.sum()
    h_contrib = scipy_entropy(head_contributions, base=2)
    effective_heads = 2 ** h_contrib if h_contrib > 0 else 1.0
    third = num_layers // 3
    return {
        "mean_head_variance": mean_variance,
        "mean_head_correlation": mean_head_correlation,
        "specialization_index": specialization_index,
        "effective_heads": float(effective_heads),
        "effective_ratio": float(effective_heads / num_heads),
        "layer_variances": layer_variances.tolist(),
        "early_variance": float(np.mean(layer_variances[:third])),
        "middle_variance": float(np.mean(layer_variances[third:2 * third])),
        "late_variance": float(np.mean(layer_variances[2 * third:])),
        "head_correlation_matrix": head_corr_matrix.tolist(),
        "num_layers": num_layers,
        "num_heads": num_heads,
    }


def compute_gqa_group_metrics(head_entropies, num_kv_heads):
    num_layers, num_query_heads = head_entropies.shape
    group_size = num_query_heads // num_kv_heads
    within = [np.var(head_entropies[:, g * group_size:(g + 1) * group_size], axis=1).mean()
              for g in range(num_kv_heads)]
    mean_within = float(np.mean(within))
    group_means = np.array([head_entropies[:, g * group_size:(g + 1) * group_size].mean(axis=1)
                            for g in range(num_kv_heads)]).T
    mean_between = float(np.mean(np.var(group_means, axis=1)))
    ratio = mean_within / mean_between if mean_between > 0 else np.inf
    return {"within_group_variance": mean_within, "between_group_variance": mean_between,
            "within_between_ratio": float(ratio), "group_size": group_size,
            "num_kv_groups": num_kv_heads, "per_group_variances": [float(v) for v in within]}


# ---- model generation ----
def randomize(model, seed, sharp):
    """Seeded weights with fan-in scale; query heads scaled so heads differ in sharpness."""
    g = torch.Generator().manual_seed(seed)
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=g) / np.sqrt(p.shape[1]))
            elif "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            else:  # biases
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
        for layer in model.model.layers:
            q = layer.self_attn.q_proj
            for h in range(cfg.num_attention_heads):
                factor = sharp[h % len(sharp)]
                q.weight[h * head_dim:(h + 1) * head_dim] *= factor
                if q.bias is not None:
                    q.bias[h * head_dim:(h + 1) * head_dim] *= factor


def add_noise(model, seed, scale=0.15):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * p.std() * torch.randn(p.shape, generator=g))


def build(config_cls, kwargs, seed):
    config = config_cls(**kwargs)
    config._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    randomize(model, seed, sharp=[0.5, 1.0, 2.0, 4.0, 8.0, 3.0])
    return model


def save(model, directory, dtype, shard):
    directory.mkdir(parents=True, exist_ok=True)
    model.to(dtype).save_pretrained(directory, max_shard_size=shard) if shard else model.to(dtype).save_pretrained(directory)
    model.to(torch.float32)
    for f in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(TOKENIZER_DIR / f, directory / f)


def reference_for(model_dir, prompts, max_length, num_kv_heads, device):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                                 attn_implementation="eager").to(device).eval()
    seeds = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        np.random.seed(seed)
        patterns, tokens = extract_head_activations(model, tokenizer, prompts, max_length)
        ppe = per_prompt_entropies(patterns)
        ent = ppe.mean(axis=0)
        seeds.append({"seed": seed, "per_prompt_entropies": ppe.tolist(), "entropies": ent.tolist(),
                      "specialization": compute_specialization_metrics(ent),
                      "gqa_metrics": compute_gqa_group_metrics(ent, num_kv_heads)})
    spec_keys = ["specialization_index", "mean_head_correlation", "mean_head_variance", "effective_heads",
                 "effective_ratio", "early_variance", "middle_variance", "late_variance"]
    aggregate = {
        "specialization": {k: float(np.mean([s["specialization"][k] for s in seeds])) for k in spec_keys},
        "gqa_metrics": {k: float(np.mean([s["gqa_metrics"][k] for s in seeds]))
                        for k in ["within_group_variance", "between_group_variance", "within_between_ratio"]},
    }
    aggregate["specialization"].update({k: seeds[0]["specialization"][k] for k in
                                        ["layer_variances", "head_correlation_matrix", "num_layers", "num_heads"]})
    aggregate["gqa_metrics"].update({k: seeds[0]["gqa_metrics"][k] for k in ["group_size", "num_kv_groups"]})
    return {"tokens": tokens, "seeds": seeds, "aggregate": aggregate}


def verdict(base, inst):
    b, i = base["aggregate"], inst["aggregate"]
    d_si = i["specialization"]["specialization_index"] - b["specialization"]["specialization_index"]
    d_corr = i["specialization"]["mean_head_correlation"] - b["specialization"]["mean_head_correlation"]
    d_var = i["specialization"]["mean_head_variance"] - b["specialization"]["mean_head_variance"]
    d_ratio = i["gqa_metrics"]["within_between_ratio"] - b["gqa_metrics"]["within_between_ratio"]
    c = [d_si < 0, d_corr > 0, d_var < 0]
    code = "A_CONFIRMED" if sum(c) >= 2 else "B_PARTIAL" if sum(c) == 1 else "C_REFUTED"
    return {"code": code, "specialization_decreased": bool(c[0]), "correlation_increased": bool(c[1]),
            "variance_decreased": bool(c[2]), "delta_specialization": d_si, "delta_correlation": d_corr,
            "delta_variance": d_var, "delta_gqa_ratio": d_ratio}


CASES = {
    # Qwen2: q/k/v biases, tied embeddings, embedding rows beyond the tokenizer's 1024 ids, GQA 3:1
    "qwen2-tied": (transformers.Qwen2Config, dict(
        vocab_size=1100, hidden_size=96, intermediate_size=192, num_hidden_layers=4, num_attention_heads=6,
        num_key_value_heads=2, head_dim=16, max_position_embeddings=2048, rope_theta=1e6,
        tie_word_embeddings=True, bos_token_id=0, eos_token_id=1), torch.float32, None, 128, None),
    # 12 query heads over 2 KV heads, 7 layers (thirds 2/2/3), default RoPE
    "llama-12q2kv": (transformers.LlamaConfig, dict(
        vocab_size=1024, hidden_size=96, intermediate_size=160, num_hidden_layers=7, num_attention_heads=12,
        num_key_value_heads=2, head_dim=8, max_position_embeddings=2048, rope_theta=10000.0,
        bos_token_id=0, eos_token_id=1), torch.float32, None, 128, None),
    # Llama-3.1 shape in miniature: 32 layers x 32 heads over 8 KV heads, llama3 RoPE, stored float16
    "llama31-32x32": (transformers.LlamaConfig, dict(
        vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=8, head_dim=8, max_position_embeddings=8192, rope_theta=5e5,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192},
        bos_token_id=0, eos_token_id=1), torch.float16, None, 128, None),
    # bf16 storage, sharded, written by transformers 5 (rope_parameters keys)
    "llama-sharded-bf16": (transformers.LlamaConfig, dict(
        vocab_size=1024, hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=8,
        num_key_value_heads=4, head_dim=16, max_position_embeddings=2048, rope_theta=10000.0,
        bos_token_id=0, eos_token_id=1), torch.bfloat16, "300KB", 128, None),
    # Mistral with a sliding window shorter than the sequence
    "mistral-window": (transformers.MistralConfig, dict(
        vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, max_position_embeddings=4096, rope_theta=1e6, sliding_window=16,
        bos_token_id=0, eos_token_id=1), torch.float32, None, 64, None),
    # prompts longer than max_length: truncation (one long prompt added, and max_length 24)
    "llama-truncation": (transformers.LlamaConfig, dict(
        vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=4, head_dim=16, max_position_embeddings=2048, rope_theta=10000.0,
        bos_token_id=0, eos_token_id=1), torch.float32, None, 24, STANDARD_PROMPTS + [LONG_PROMPT]),
}


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    only = os.environ.get("CASES", "").split(",") if os.environ.get("CASES") else list(CASES)
    for index, case in enumerate(only):
        try:
            make_case(out, index, case, device)
        except Exception:  # one broken case must not cost the others
            import traceback
            traceback.print_exc()
            print(case, "FAILED", flush=True)
    shutil.rmtree(out / "work", ignore_errors=True)


def make_case(out, index, case, device):
    if True:
        config_cls, kwargs, dtype, shard, max_length, prompts = CASES[case]
        prompts = prompts or STANDARD_PROMPTS
        work = out / "work" / case
        models = work / "models"
        base = build(config_cls, kwargs, seed=1000 + index)
        save(base, models / f"{case}-base", dtype, shard)
        add_noise(base, seed=2000 + index)
        save(base, models / f"{case}-instruct", dtype, shard)
        num_kv = kwargs["num_key_value_heads"]
        ref = {"pair": case, "dtype": "float32", "max_length": max_length, "seeds": SEEDS,
               "prompt_md5": hashlib.md5("|||".join(prompts).encode()).hexdigest(),
               "prompts": prompts, "num_kv_heads": num_kv,
               "made_with": {"transformers": transformers.__version__, "torch": torch.__version__,
                             "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
                             "storage_dtype": str(dtype), "max_shard_size": shard}}
        for role in ["base", "instruct"]:
            ref[role] = reference_for(models / f"{case}-{role}", prompts, max_length, num_kv, device)
        ref["verdict"] = verdict(ref["base"], ref["instruct"])
        (work / "reference").mkdir(exist_ok=True)
        with open(work / "reference" / f"{case}.float32.json", "w") as f:
            json.dump(ref, f)
        with tarfile.open(out / f"{case}.tar.gz", "w:gz") as tar:
            tar.add(work, arcname=case)
        sizes = {p.name: p.stat().st_size for p in (models / f"{case}-base").iterdir()}
        print(case, "ok", ref["verdict"]["code"], sizes, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
