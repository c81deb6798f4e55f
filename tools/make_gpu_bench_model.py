"""Writes a Llama-3.1-8B-shaped checkpoint with random bf16 weights, for GPU benchmarks.

32 layers, 32 query / 8 KV heads, hidden 4096, intermediate 14336, vocab 128256, llama3 RoPE:
the shape of meta-llama/Llama-3.1-8B (about 15 GiB of bf16 safetensors), no download. The
tokenizer is the engine's bundled byte-level BPE (ids < 1024, bos 0, eos 1), so Territory and
transformers read the same token ids; the cost of a forward pass does not depend on them.

    python3 tools/make_gpu_bench_model.py OUT_DIR [--tokenizer-dir DIR] [--layers 32]
"""
import argparse
import os
import shutil
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

TOKENIZER_DIR = os.path.join(os.path.dirname(__file__), "..", "engine", "src", "main", "resources", "dev",
                             "territory", "engine", "synthetic")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tokenizer-dir", default=TOKENIZER_DIR)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--seed", type=int, default=31)
    args = ap.parse_args()
    config = LlamaConfig(
        vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=args.layers,
        num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_theta=500000.0,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192},
        tie_word_embeddings=False, bos_token_id=0, eos_token_id=1, hidden_act="silu")
    t0 = time.time()
    torch.manual_seed(args.seed)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config)  # normal(0, 0.02) weights, unit norms
    model.config.torch_dtype = torch.bfloat16
    t1 = time.time()
    model.save_pretrained(args.out, max_shard_size="5GB")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(args.tokenizer_dir, name), os.path.join(args.out, name))
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"make_gpu_bench_model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters, "
          f"init {t1 - t0:.1f} s, save {time.time() - t1:.1f} s, {size / 2**30:.1f} GiB in {args.out}", flush=True)


if __name__ == "__main__":
    main()
