#!/usr/bin/env python3
"""Load generator for `embedctl serve` (OpenAI's /v1/embeddings): closed-loop clients, latency percentiles, tokens/s.

    python3 serve_load.py --url http://127.0.0.1:8000 --model NAME --kind queries|docs --concurrency 1,16,64,256
                          [--seconds 4] [--warmup 1] [--procs 8] [--ids-out ids.jsonl]

queries: ~20-token texts (tokenized by the server, as search applications send them);
docs: 512-token documents as token ids (511 random ids + <|endoftext|>), so the engine benchmark can run the very
same tokens (--ids-out writes them in the engine's corpus format). Each concurrency level runs `concurrency` clients,
each sending its next request as soon as the last one is answered, spread over --procs processes (one Python event
loop cannot keep up with the server at high concurrency). Prints one JSON line per level.
"""
import argparse, asyncio, json, multiprocessing as mp, random, re, time

WORDS = ("ship harbor cargo river mountain city capital france paris energy solar battery protein cell "
         "market price history war treaty language grammar music piano guitar football league season winter "
         "summer rain forest animal bird ocean whale planet star galaxy theory proof number prime algorithm "
         "network server database query index vector search engine model weight training data").split()
EOS = 151643
TOKENS = re.compile(rb'"prompt_tokens":(\d+)')


def payloads(kind, model, count, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if kind == "queries":
            text = "what is the " + " ".join(rng.choice(WORDS) for _ in range(14)) + "?"
            body = {"model": model, "input": text, "encoding_format": "base64"}
        else:
            body = {"model": model, "input": [rng.randrange(1000, 150000) for _ in range(511)] + [EOS], "encoding_format": "base64"}
        out.append(json.dumps(body).encode())
    return out


async def clients(url, token, bodies, concurrency, seconds, warmup, offset):
    import aiohttp
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    latencies, tokens, errors = [], 0, 0
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), headers=headers) as session:
        async def client(i):
            nonlocal tokens, errors
            k = offset + i
            while True:
                t = time.perf_counter()
                if t >= stop:
                    return
                async with session.post(url, data=bodies[k % len(bodies)]) as r:
                    data = await r.read()
                done = time.perf_counter()
                k += concurrency
                if t < measure_from:
                    continue
                if r.status != 200:
                    errors += 1
                    continue
                latencies.append(done - t)
                tokens += int(TOKENS.search(data).group(1))
        await asyncio.gather(*(client(i) for i in range(concurrency)))
    return latencies, tokens, errors


def proc(args):
    return asyncio.run(clients(*args))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--token", default="")
    p.add_argument("--model", required=True)
    p.add_argument("--kind", choices=["queries", "docs"], required=True)
    p.add_argument("--concurrency", default="1,16,64,256")
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--procs", type=int, default=8)
    p.add_argument("--ids-out", help="write the docs' token ids as the engine benchmark's corpus and exit")
    a = p.parse_args()
    bodies = payloads(a.kind, a.model, 4096 if a.kind == "queries" else 1024, 7)
    if a.ids_out:
        with open(a.ids_out, "w") as f:
            for b in bodies:
                f.write(json.dumps({"ids": json.loads(b)["input"]}) + "\n")
        return
    url = a.url.rstrip("/") + "/v1/embeddings"
    for c in (int(x) for x in a.concurrency.split(",")):
        procs = max(1, min(a.procs, c))
        shares = [c // procs + (1 if i < c % procs else 0) for i in range(procs)]
        offsets = [sum(shares[:i]) * 7919 for i in range(procs)]
        with mp.get_context("fork").Pool(procs) as pool:
            parts = pool.map(proc, [(url, a.token, bodies, shares[i], a.seconds, a.warmup, offsets[i]) for i in range(procs)])
        lat = sorted(x for part in parts for x in part[0])
        tokens = sum(part[1] for part in parts)
        errors = sum(part[2] for part in parts)
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
        print(json.dumps({"side": "serve", "kind": a.kind, "concurrency": c, "requests": len(lat), "errors": errors,
                          "p50_ms": round(pct(0.50), 2), "p99_ms": round(pct(0.99), 2), "mean_ms": round(sum(lat) / max(1, len(lat)) * 1000, 2),
                          "requests_per_s": round(len(lat) / a.seconds, 1), "tokens_per_s": round(tokens / a.seconds),
                          "tokens_per_request": round(tokens / max(1, len(lat)), 1)}), flush=True)


if __name__ == "__main__":
    main()
