// The npm `tokenizers` (Hugging Face's Rust core, 0.23.2) peer of `Clustering.Benchmarks tokenizer --peer`: the same
// texts, the same figures, written as the JSON tests/benchmarks/tokenizer_peer.py writes for the Python package.
//   node tokenizer-peer.mjs TOKENIZER.json TEXTS.jsonl OUT.json [THREADS] [PASSES]
// Each setting runs in a child process with RAYON_NUM_THREADS set (the Rust pool is sized once per process):
// encodeBatch on 1 thread and on THREADS (default: all cores), over PASSES copies of the texts (default 1), one
// warm-up pass first, best of 3 timed runs. Special tokens are added. Only the encodeBatch call is timed.
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const [tokenizerPath, textsPath, outPath, threadsArg, passesArg, child] = process.argv.slice(2);
const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter(l => l.trim().length).map(l => JSON.parse(l).text);
const passes = Number(passesArg ?? 1);
const all = Array.from({ length: passes }, () => texts).flat();

if (child === 'child') {
  const tk = createRequire(import.meta.url)('tokenizers');
  const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
  const run = async () => (await tokenizer.encodeBatch(all, { addSpecialTokens: true })).reduce((n, e) => n + e.getIds().length, 0);
  await run();
  let best = Infinity, tokens = 0;
  for (let r = 0; r < 3; r++) {
    const started = process.hrtime.bigint();
    tokens = await run();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  console.log(JSON.stringify({ seconds: best, tokens }));
} else {
  const threads = Number(threadsArg ?? os.availableParallelism());
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0) * passes;
  const measure = n => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), tokenizerPath, textsPath, outPath, String(n), String(passes), 'child'],
      { env: { ...process.env, RAYON_NUM_THREADS: String(n), TOKENIZERS_PARALLELISM: 'true' }, encoding: 'utf8', maxBuffer: 1 << 26 });
    const r = JSON.parse(out.trim().split('\n').at(-1));
    return { threads: n, seconds: r.seconds, tokens: r.tokens / passes, mb_per_s: bytes / 1e6 / r.seconds, tokens_per_s: r.tokens / r.seconds };
  };
  const single = measure(1), multi = measure(threads);
  const pkg = JSON.parse(fs.readFileSync(new URL('./node_modules/tokenizers/package.json', import.meta.url), 'utf8'));
  const result = { tool: 'huggingface-tokenizers-npm', version: pkg.version, texts: texts.length, bytes, passes, single, multi,
    scaling_efficiency: multi.tokens_per_s / (single.tokens_per_s * threads) };
  fs.writeFileSync(outPath, JSON.stringify(result, null, 1) + '\n');
  console.log(JSON.stringify(result, null, 1));
}
