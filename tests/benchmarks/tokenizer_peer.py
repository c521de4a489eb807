#!/usr/bin/env python3
"""The Hugging Face `tokenizers` peer of `Clustering.Benchmarks tokenizer`: same texts, same figures, printed as JSON.

usage: tokenizer_peer.py --texts FILE.jsonl --tokenizer tokenizer.json [--threads N] [--out peer.json]
Single thread: encode_batch in a child process started with RAYON_NUM_THREADS=1 (no Python loop overhead), and a
plain loop of encode() for reference. All cores: encode_batch with RAYON_NUM_THREADS=N (default: all cores).
Each measurement is preceded by one warm-up pass (fills the BPE cache, as the C# side does). Special tokens are added.
"""
import argparse, json, os, subprocess, sys, time

def load_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l)["text"] for l in f if l.strip()]

def measure(tokenizer_path, texts, mode):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_path)
    if mode == "loop":
        for t in texts: tok.encode(t)
        start = time.perf_counter()
        tokens = sum(len(tok.encode(t).ids) for t in texts)
    else:
        tok.encode_batch(texts)
        start = time.perf_counter()
        tokens = sum(len(e.ids) for e in tok.encode_batch(texts))
    return time.perf_counter() - start, tokens

def child(args):
    texts = load_texts(args.texts)
    seconds, tokens = measure(args.tokenizer, texts, args.child)
    print(json.dumps({"seconds": seconds, "tokens": tokens}))

def run_child(args, mode, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, __file__, "--texts", args.texts, "--tokenizer", args.tokenizer, "--child", mode],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--out")
    ap.add_argument("--child", choices=["batch", "loop"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child: return child(args)
    import tokenizers
    texts = load_texts(args.texts)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    def fig(r, threads):
        return {"threads": threads, "seconds": r["seconds"], "tokens": r["tokens"],
                "mb_per_s": nbytes / 1e6 / r["seconds"], "tokens_per_s": r["tokens"] / r["seconds"]}
    single = fig(run_child(args, "batch", 1), 1)
    loop = fig(run_child(args, "loop", 1), 1)
    multi = fig(run_child(args, "batch", args.threads), args.threads)
    result = {"tool": "huggingface-tokenizers", "version": tokenizers.__version__, "texts": len(texts), "bytes": nbytes,
              "single": single, "single_encode_loop": loop, "multi": multi,
              "scaling_efficiency": multi["tokens_per_s"] / (single["tokens_per_s"] * args.threads)}
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as f: f.write(text + "\n")
    print(text)

if __name__ == "__main__":
    main()
