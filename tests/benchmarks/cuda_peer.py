#!/usr/bin/env python3
"""The GPU benchmark's corpus and its peer: Hugging Face transformers (SDPA, bf16) on the same GPU and the same ids.

    python3 cuda_peer.py corpus --out ids.jsonl [--docs 20000] [--seed 7] [--length N --tokens T]
        the synthetic corpus: log-normal lengths clipped to 16..512 (mean ~180), uniform random ids below 151669;
        with --length, long documents instead (issue 14): lengths uniform in [3N/4, N], documents until T tokens.
    python3 cuda_peer.py text --corpus ids.jsonl --tokenizer tokenizer.json --out text.jsonl [--repeat 1]
        the same documents as text ({"id", "text"} per line) for the end-to-end run with tokenization.
    python3 cuda_peer.py peer --model DIR --corpus ids.jsonl --label NAME --mode batch32|budget [--budget 65536]
        transformers over the ids: sorted by length (longest first, as sentence-transformers does), batches of 32
        or batches filled up to --budget padded tokens; right padding with an attention mask; last-token pooling
        and L2 normalization; real (unpadded) tokens/s after a warm-up, one JSON line.
"""
import argparse, json, math, time


def corpus(a):
    import numpy as np
    rng = np.random.default_rng(a.seed)
    if a.length:
        lengths, total = [], 0
        while total < a.tokens:
            lengths.append(int(rng.integers(a.length * 3 // 4, a.length + 1)))
            total += lengths[-1]
        lengths = np.array(lengths, dtype=np.int64)
        a.docs = len(lengths)
    else:
        # ln L ~ N(5.05, 0.55²), clipped to [16, 512]: mean ~180 tokens.
        lengths = np.clip(np.exp(rng.normal(5.05, 0.55, a.docs)).astype(np.int64), 16, 512)
    with open(a.out, "w") as f:
        for n in lengths:
            f.write(json.dumps({"ids": rng.integers(0, 151669, int(n)).tolist()}) + "\n")
    print(f"corpus: {a.docs} docs, {int(lengths.sum())} tokens, mean {lengths.mean():.1f}")


def text(a):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(a.tokenizer)
    docs = [json.loads(line)["ids"] for line in open(a.corpus)]
    # Random ids decode to text that re-tokenizes to about as many tokens.
    texts = tok.decode_batch(docs, skip_special_tokens=True)
    with open(a.out, "w") as f:
        for r in range(a.repeat):
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"{r}-{i}", "text": t}) + "\n")
    print(f"text corpus: {len(texts) * a.repeat} docs")


def peer(a):
    import torch
    import torch.nn.functional as F
    from transformers import AutoModel

    docs = [json.loads(line)["ids"] for line in open(a.corpus)]
    if a.stride > 1:
        docs = docs[:: a.stride]
    model = AutoModel.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation="sdpa").cuda().eval()
    order = sorted(range(len(docs)), key=lambda i: -len(docs[i]))
    batches = []
    if a.mode == "batch32":
        batches = [order[i : i + 32] for i in range(0, len(order), 32)]
    else:
        current = []
        for i in order:  # longest first: the first document of a batch sets its padded length
            longest = len(docs[current[0]]) if current else len(docs[i])
            if current and (len(current) + 1) * longest > a.budget:
                batches.append(current)
                current = []
            current.append(i)
        batches.append(current)

    def run(batch):
        longest = max(len(docs[i]) for i in batch)
        ids = torch.zeros((len(batch), longest), dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, : len(docs[i])] = torch.tensor(docs[i])
            mask[row, : len(docs[i])] = 1
        ids, mask = ids.cuda(non_blocking=True), mask.cuda(non_blocking=True)
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        last = mask.sum(dim=1) - 1
        return F.normalize(hidden[torch.arange(len(batch), device="cuda"), last].float(), p=2, dim=1).cpu()

    with torch.inference_mode():
        # Warm-up at the longest shapes: three batches, or one of long documents (one is already seconds of work).
        for b in batches[: 3 if len(docs[order[0]]) <= 4096 else 1]:
            run(b)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for batch in batches:
            run(batch)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    tokens = sum(len(d) for d in docs)
    setting = "batches of 32" if a.mode == "batch32" else f"budget {a.budget}"
    name = torch.cuda.get_device_name()
    print(f"transformers {a.label} {setting}: {tokens / seconds:.0f} tokens/s ({len(docs)} docs, {tokens} tokens, {seconds:.2f} s, {name})")
    print(json.dumps({"side": "transformers", "model": a.label, "setting": setting, "gpu": name, "docs": len(docs),
                      "tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--out", required=True)
    c.add_argument("--docs", type=int, default=20000)
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--length", type=int, default=0, help="long documents of 3/4..1 times this many tokens")
    c.add_argument("--tokens", type=int, default=2_000_000, help="with --length: documents until this many tokens")
    t = sub.add_parser("text")
    t.add_argument("--corpus", required=True)
    t.add_argument("--tokenizer", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--repeat", type=int, default=1)
    q = sub.add_parser("peer")
    q.add_argument("--model", required=True)
    q.add_argument("--corpus", required=True)
    q.add_argument("--label", required=True)
    q.add_argument("--mode", choices=["batch32", "budget"], required=True)
    q.add_argument("--budget", type=int, default=65536)
    q.add_argument("--stride", type=int, default=1, help="every Nth document only (a shorter run, same length mix)")
    a = p.parse_args()
    {"corpus": corpus, "text": text, "peer": peer}[a.command](a)


if __name__ == "__main__":
    main()
