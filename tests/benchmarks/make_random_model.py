#!/usr/bin/env python3
"""Random weights of the real Qwen3-Embedding architectures, written with transformers (bf16 safetensors).

    python3 make_random_model.py --size 0.6b|4b|8b --out DIR [--device cuda]

The config follows Qwen3-Embedding's config.json (../shared/models/qwen3-embedding-0.6b-config for 0.6B);
sentence-transformers files (modules.json, 1_Pooling, config_sentence_transformers.json) make it an embedding
model for both our engine and sentence-transformers. For timing, not for quality.
"""
import argparse, json, os

import torch
from transformers import Qwen3Config, Qwen3Model

SIZES = {
    "0.6b": dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
                 num_key_value_heads=8, head_dim=128, tie_word_embeddings=True, max_position_embeddings=32768),
    "4b": dict(hidden_size=2560, intermediate_size=9728, num_hidden_layers=36, num_attention_heads=32,
               num_key_value_heads=8, head_dim=128, tie_word_embeddings=True, max_position_embeddings=40960),
    "8b": dict(hidden_size=4096, intermediate_size=12288, num_hidden_layers=36, num_attention_heads=32,
               num_key_value_heads=8, head_dim=128, tie_word_embeddings=False, max_position_embeddings=40960),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", choices=sorted(SIZES), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cpu", help="where to draw the weights (cuda: seconds instead of minutes for 8B)")
    a = p.parse_args()

    config = Qwen3Config(vocab_size=151669, rms_norm_eps=1e-6, rope_theta=1000000.0, hidden_act="silu",
                         attention_bias=False, use_sliding_window=False, sliding_window=None, max_window_layers=28,
                         bos_token_id=151643, eos_token_id=151643, **SIZES[a.size])
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device(a.device):
        model = Qwen3Model(config).eval()
    model.save_pretrained(a.out, safe_serialization=True)

    os.makedirs(os.path.join(a.out, "1_Pooling"), exist_ok=True)
    with open(os.path.join(a.out, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], f, indent=2)
    with open(os.path.join(a.out, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": config.hidden_size, "pooling_mode_cls_token": False,
                   "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": False,
                   "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
                   "pooling_mode_lasttoken": True, "include_prompt": True}, f, indent=2)
    with open(os.path.join(a.out, "config_sentence_transformers.json"), "w") as f:
        json.dump({"prompts": {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:",
                               "document": ""}, "default_prompt_name": None, "similarity_fn_name": "cosine"}, f, indent=2)
    print(f"wrote {a.out}: Qwen3-Embedding-{a.size} shape, random bf16 weights")


if __name__ == "__main__":
    main()
