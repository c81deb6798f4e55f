#!/usr/bin/env python3
"""How far do HF transformers' own runs on other arithmetic sit from the shared float32 references?

Runs the notebook's entropy reduction (tools/make_hf_references.py) on the shared fixture models
with HF transformers in three settings: GPU float32 (the reference's own setting), GPU float64,
CPU float32, and prints per (pair, role, setting) the max |entropy - reference| and how many
(prompt, layer, head) entropies are within 1e-4. Used to judge which tolerance a float32 CPU
implementation can hold. Usage: python3 tools/reference_noise.py
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_hf_references import STANDARD_PROMPTS, extract_head_activations, per_prompt_entropies  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "testdata/fixtures"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

for pair in ["llama3-gqa", "mistral-mha"]:
    ref = json.load(open(ROOT / f"reference/{pair}.float32.json"))
    for role in ["base", "instruct"]:
        want = np.array(ref[role]["seeds"][0]["per_prompt_entropies"])
        directory = ROOT / f"models/{pair}-{role}"
        tokenizer = AutoTokenizer.from_pretrained(directory)
        tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
        for device, dtype in [("cuda", torch.float32), ("cuda", torch.float64), ("cpu", torch.float32)]:
            model = AutoModelForCausalLM.from_pretrained(directory, dtype=dtype, attn_implementation="eager").to(device).eval()
            patterns, _ = extract_head_activations(model, tokenizer, STANDARD_PROMPTS, 128)
            got = per_prompt_entropies(patterns)  # mean in the model dtype, then float32, as the notebook
            d = np.abs(got - want)
            print(f"{pair} {role} {device} {str(dtype)[6:]}: max |diff| {d.max():.3e}, "
                  f"{int((d <= 1e-4).sum())} of {d.size} within 1e-4", flush=True)
