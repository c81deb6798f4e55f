"""Times transformers on the GPU against which `territory bench` is compared, in the same call.

For each case T x prompts x batch: the decoder's forward pass (model.model: the layers without
lm_head, as Territory's forward) with sdpa attention, the minimum of --repeat timed passes after
one warm-up. At T = 128 also the notebook's pipeline for one seed: eager attention with
output_attentions=True, one prompt at a time, every (layers, heads, T, T) stack copied to the host,
then its Python loop over prompts, layers and heads (the notebook's cell 3, unchanged).
TF32 stays off for float32, as transformers' default. Prints one JSON line per measurement.

    python3 tools/gpu_hf_bench.py MODEL_DIR [--dtype float32] [--cases 128x10x10,4096x1x1] [--notebook]
"""
import argparse
import json
import time

import numpy as np
import torch
from scipy.stats import entropy as scipy_entropy
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

STANDARD_10_V3 = [
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


def emit(**kv):
    print(json.dumps(kv), flush=True)


def sync_time(fn):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def batch_inputs(tok, prompts, t, fill):
    if fill:  # every position a real token, as `territory bench --fill`
        prompts = [" ".join([p] * (8 * t // len(p) + 1)) for p in prompts]
    enc = tok(prompts, return_tensors="pt", max_length=t, truncation=True, padding="max_length")
    return enc["input_ids"].cuda(), enc["attention_mask"].cuda()


# --- the notebook's cell 3 (extract_head_activations, compute_head_entropy_profiles) ---
def extract_head_activations(model, tokenizer, prompts, max_length=128):
    all_attention_patterns = []
    for prompt in prompts:
        inputs = tokenizer(prompt, return_tensors='pt', max_length=max_length, truncation=True,
                           padding='max_length').to(model.device)
        with torch.no_grad():
            outputs = model(**inputs, output_attentions=True, output_hidden_states=True)
        attn_stack = torch.stack([a.squeeze(0) for a in outputs.attentions], dim=0)
        all_attention_patterns.append(attn_stack.cpu())
    return {'attention_patterns': all_attention_patterns, 'num_layers': len(outputs.attentions),
            'num_heads': outputs.attentions[0].shape[1]}


def compute_head_entropy_profiles(attention_patterns):
    num_prompts = len(attention_patterns)
    num_layers = attention_patterns[0].shape[0]
    num_heads = attention_patterns[0].shape[1]
    all_entropies = np.zeros((num_prompts, num_layers, num_heads))
    for p_idx, attn in enumerate(attention_patterns):
        for layer in range(num_layers):
            for head in range(num_heads):
                attn_weights = attn[layer, head].mean(dim=0).float().cpu().numpy()
                attn_weights = attn_weights / attn_weights.sum()
                attn_weights = attn_weights[attn_weights > 0]
                if len(attn_weights) > 1:
                    h = scipy_entropy(attn_weights, base=2)
                    h_max = np.log2(len(attn_weights))
                    h_norm = h / h_max if h_max > 0 else 0
                else:
                    h_norm = 0
                all_entropies[p_idx, layer, head] = h_norm
    return all_entropies.mean(axis=0)
# ---


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--cases", default="128x10x10,4096x1x1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--notebook", action="store_true", help="also time the notebook's pipeline (one seed, T = 128)")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dtype = getattr(torch, args.dtype)
    tok = PreTrainedTokenizerFast(tokenizer_file=f"{args.model}/tokenizer.json", bos_token="<|begin_of_text|>",
                                  eos_token="<|end_of_text|>")
    tok.pad_token = tok.eos_token
    tok.padding_side = "right"
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="sdpa", device_map="cuda")
    model.eval()
    torch.cuda.synchronize()
    emit(what="hf_load", dtype=args.dtype, load_s=round(time.perf_counter() - t0, 2))
    for case in args.cases.split(","):
        t, n, b = (int(x) for x in case.split("x"))
        fill = t > 128
        prompts = [STANDARD_10_V3[i % 10] for i in range(n)]
        batches = [batch_inputs(tok, prompts[i:i + b], t, fill) for i in range(0, n, b)]

        def run():
            with torch.no_grad():
                for ids, mask in batches:
                    model.model(input_ids=ids, attention_mask=mask)

        torch.cuda.reset_peak_memory_stats()
        run()
        best = min(sync_time(run) for _ in range(args.repeat))
        emit(what="hf_sdpa_forward", dtype=args.dtype, max_length=t, prompts=n, batch=b, fill=fill,
             forward_s=round(best, 4), peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))
    if args.notebook:
        try:
            model.set_attn_implementation("eager")
        except AttributeError:  # older transformers
            model.config._attn_implementation = "eager"
        torch.cuda.reset_peak_memory_stats()
        extract_head_activations(model, tok, STANDARD_10_V3[:1])  # warm-up
        t0 = time.perf_counter()
        acts = extract_head_activations(model, tok, STANDARD_10_V3, max_length=128)
        t1 = time.perf_counter()
        compute_head_entropy_profiles(acts['attention_patterns'])
        t2 = time.perf_counter()
        emit(what="notebook_pipeline_one_seed", dtype=args.dtype, max_length=128, prompts=10,
             forward_and_copy_s=round(t1 - t0, 3), python_loop_s=round(t2 - t1, 3), total_s=round(t2 - t0, 3),
             peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))


if __name__ == "__main__":
    main()
