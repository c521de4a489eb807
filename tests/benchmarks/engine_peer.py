#!/usr/bin/env python3
"""The engine benchmark's peer: Hugging Face transformers on the CPU (fp32, SDPA) over the same token ids.

    python3 engine_peer.py --model DIR --corpus corpus.jsonl --threads T [--docs N] [--batch-size 32]

corpus.jsonl is what `Clustering.Benchmarks engine --write-corpus FILE` writes ({"ids": [...]} per line).
Documents are sorted by length and cut into batches of --batch-size (right padding, attention mask), each
embedded with last-token pooling and L2 normalization, as sentence-transformers does for Qwen3-Embedding.
Prints real (unpadded) tokens/s and one JSON line.
"""
import argparse, json, time

import torch
import torch.nn.functional as F
from transformers import AutoModel


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--docs", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    docs = [json.loads(line)["ids"] for line in open(a.corpus)]
    if a.docs:
        docs = docs[: a.docs]
    model = AutoModel.from_pretrained(a.model, torch_dtype=torch.float32, attn_implementation="sdpa").eval()
    order = sorted(range(len(docs)), key=lambda i: len(docs[i]))
    batches = [order[i : i + a.batch_size] for i in range(0, len(order), a.batch_size)]

    def run(batch):
        longest = max(len(docs[i]) for i in batch)
        ids = torch.zeros((len(batch), longest), dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, : len(docs[i])] = torch.tensor(docs[i])
            mask[row, : len(docs[i])] = 1
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        last = mask.sum(dim=1) - 1
        return F.normalize(hidden[torch.arange(len(batch)), last], p=2, dim=1)

    with torch.inference_mode():
        run(batches[0][:8])  # warm-up
        start = time.perf_counter()
        for batch in batches:
            run(batch)
        seconds = time.perf_counter() - start
    tokens = sum(len(d) for d in docs)
    print(f"transformers cpu fp32 sdpa: {len(docs)} docs, {tokens} tokens in {seconds:.2f} s: {tokens / seconds:.0f} tokens/s, "
          f"batch {a.batch_size}, {a.threads} threads")
    print(json.dumps({"engine": "transformers-cpu", "docs": len(docs), "tokens": tokens, "seconds": seconds,
                      "tokens_per_s": tokens / seconds, "threads": a.threads, "batch_size": a.batch_size}))


if __name__ == "__main__":
    main()
