#!/usr/bin/env python3
"""Synthetic references for the statistics tests, in the layout of testdata/fixtures/reference.

The metric functions below are the E11-T notebook's cell-3 functions and its cell 4-6
aggregation/verdict, restated for numpy 2.x + scipy (the spec, not our Java code), run on seeded
random per-prompt entropies of shapes the fixtures lack: 7 layers, 32 x 32 heads over 8 KV heads,
12 heads over 2 KV heads, 16 heads in one KV group (group size >= 8: numpy's pairwise sum), a head
whose profile is the constant 0.1 (numpy gives a finite correlation row, not NaN), a head profile
exactly constant 0.5 (NaN row), 2 layers (empty thirds), 1 prompt.

    python3 make_synthetic_references.py OUTDIR
"""
import json
import math
import sys

import numpy as np
from scipy.stats import entropy as scipy_entropy

SEEDS = [42, 123, 456]


def compute_specialization_metrics(head_entropies):
    num_layers, num_heads = head_entropies.shape
    layer_variances = np.var(head_entropies, axis=1)
    mean_variance = float(np.mean(layer_variances))
    head_profiles = head_entropies.T
    head_corr_matrix = np.corrcoef(head_profiles)
    upper_tri = head_corr_matrix[np.triu_indices(num_heads, k=1)]
    mean_head_correlation = float(np.nanmean(upper_tri))
    specialization_index = 1.0 - mean_head_correlation
    head_contributions = np.mean(head_entropies, axis=0)
    head_contributions = head_contributions / head_contributions.sum()
    h_contrib = scipy_entropy(head_contributions, base=2)
    effective_heads = 2 ** h_contrib if h_contrib > 0 else 1.0
    effective_ratio = effective_heads / num_heads
    third = num_layers // 3
    early_var = float(np.mean(layer_variances[:third]))
    middle_var = float(np.mean(layer_variances[third:2 * third]))
    late_var = float(np.mean(layer_variances[2 * third:]))
    return {
        'mean_head_variance': mean_variance,
        'mean_head_correlation': mean_head_correlation,
        'specialization_index': specialization_index,
        'effective_heads': float(effective_heads),
        'effective_ratio': float(effective_ratio),
        'layer_variances': layer_variances.tolist(),
        'early_variance': early_var,
        'middle_variance': middle_var,
        'late_variance': late_var,
        'head_correlation_matrix': head_corr_matrix.tolist(),
        'num_layers': num_layers,
        'num_heads': num_heads,
    }


def compute_gqa_group_metrics(head_entropies, num_kv_heads=8):
    num_layers, num_query_heads = head_entropies.shape
    group_size = num_query_heads // num_kv_heads
    within_group_vars = []
    for g in range(num_kv_heads):
        start = g * group_size
        group_entropies = head_entropies[:, start:start + group_size]
        within_group_vars.append(np.var(group_entropies, axis=1).mean())
    mean_within_group_var = float(np.mean(within_group_vars))
    group_means = []
    for g in range(num_kv_heads):
        start = g * group_size
        group_means.append(head_entropies[:, start:start + group_size].mean(axis=1))
    group_means = np.array(group_means).T
    between_group_vars = np.var(group_means, axis=1)
    mean_between_group_var = float(np.mean(between_group_vars))
    var_ratio = mean_within_group_var / mean_between_group_var if mean_between_group_var > 0 else np.inf
    return {
        'within_group_variance': mean_within_group_var,
        'between_group_variance': mean_between_group_var,
        'within_between_ratio': float(var_ratio),
        'group_size': group_size,
        'num_kv_groups': num_kv_heads,
        'per_group_variances': [float(v) for v in within_group_vars],
    }


def role(per_prompt_by_seed, kv):
    seeds = []
    for seed, per_prompt in zip(SEEDS, per_prompt_by_seed):
        ent = per_prompt.mean(axis=0)
        seeds.append({'seed': seed, 'per_prompt_entropies': per_prompt.tolist(), 'entropies': ent.tolist(),
                      'specialization': compute_specialization_metrics(ent),
                      'gqa_metrics': compute_gqa_group_metrics(ent, kv)})
    spec = {k: float(np.mean([s['specialization'][k] for s in seeds]))
            for k in ['specialization_index', 'mean_head_correlation', 'mean_head_variance', 'effective_heads',
                      'effective_ratio', 'early_variance', 'middle_variance', 'late_variance']}
    gqa = {k: float(np.mean([s['gqa_metrics'][k] for s in seeds]))
           for k in ['within_group_variance', 'between_group_variance', 'within_between_ratio']}
    return {'seeds': seeds, 'aggregate': {'specialization': spec, 'gqa_metrics': gqa}}


def verdict(base, inst):
    b, i = base['aggregate'], inst['aggregate']
    d_si = i['specialization']['specialization_index'] - b['specialization']['specialization_index']
    d_corr = i['specialization']['mean_head_correlation'] - b['specialization']['mean_head_correlation']
    d_var = i['specialization']['mean_head_variance'] - b['specialization']['mean_head_variance']
    d_gqa = i['gqa_metrics']['within_between_ratio'] - b['gqa_metrics']['within_between_ratio']
    c = [bool(d_si < 0), bool(d_corr > 0), bool(d_var < 0)]
    n = sum(c)
    code = 'A_CONFIRMED' if n >= 2 else 'B_PARTIAL' if n == 1 else 'C_REFUTED'
    return {'code': code, 'specialization_decreased': c[0], 'correlation_increased': c[1],
            'variance_decreased': c[2], 'delta_specialization': d_si, 'delta_correlation': d_corr,
            'delta_variance': d_var, 'delta_gqa_ratio': d_gqa}


def entropies(rng, prompts, layers, heads, scale):
    # head sharpness differs per head and layer; prompts add noise; float32 values widened to double
    base = rng.uniform(0.55, 0.95, size=(layers, heads))
    noise = rng.normal(0.0, scale, size=(prompts, layers, heads))
    return np.clip(base + noise, 0.0, 1.0).astype(np.float32).astype(np.float64)


def case(name, seed, prompts, layers, heads, kv, tweak=None, identical_seeds=True):
    rng = np.random.default_rng(seed)
    base = entropies(rng, prompts, layers, heads, 0.03)
    inst = np.clip(base + rng.normal(0.0, 0.02, size=base.shape), 0.0, 1.0).astype(np.float32).astype(np.float64)
    if tweak:
        tweak(base, inst)
    if identical_seeds:
        bs, ins = [base] * 3, [inst] * 3
    else:  # seeds that differ a little, to exercise the aggregation and the spread
        bs = [base] + [np.clip(base + rng.normal(0, 1e-3, base.shape), 0, 1) for _ in range(2)]
        ins = [inst] + [np.clip(inst + rng.normal(0, 1e-3, inst.shape), 0, 1) for _ in range(2)]
    b, i = role(bs, kv), role(ins, kv)
    return name, {'pair': name, 'num_kv_heads': kv, 'seeds': SEEDS, 'base': b, 'instruct': i,
                  'verdict': verdict(b, i)}


def const(value, head):
    def tweak(base, inst):
        base[:, :, head] = value
        inst[:, :, head] = value
    return tweak


def main(out):
    cases = [
        case('synthetic-7layers-12h-2kv', 7, 10, 7, 12, 2),
        case('synthetic-32x32-8kv', 32, 10, 32, 32, 8),
        case('synthetic-16h-1kv', 16, 10, 9, 16, 1),
        case('synthetic-const01-head', 11, 10, 6, 8, 2, tweak=const(0.1, 3)),
        case('synthetic-const05-head', 12, 10, 6, 8, 4, tweak=const(0.5, 5)),
        case('synthetic-2layers', 2, 10, 2, 8, 2),
        case('synthetic-1prompt', 1, 1, 5, 8, 8),
        case('synthetic-seeds-differ', 5, 10, 8, 8, 2, identical_seeds=False),
    ]
    for name, data in cases:
        with open(f'{out}/{name}.json', 'w') as f:
            json.dump(data, f)  # non-finite values as bare NaN/Infinity, as the notebook's json.dump
        print(name, data['verdict']['code'], data['base']['aggregate'])


if __name__ == '__main__':
    main(sys.argv[1])
