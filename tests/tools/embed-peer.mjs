// An independent embedding pipeline: @huggingface/transformers (transformers.js 4.3.1) on onnxruntime-node (CPU).
//   node embed-peer.mjs MODEL_DIR INPUT.jsonl OUT.f32 POOLING(mean|cls) [THREADS] [BATCH]
// MODEL_DIR holds config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx, as transformers.js loads them.
// Input lines are {"text": ...} (transformers.js's feature-extraction pipeline, its own tokenizer included) or
// {"ids": [...]} (token ids from elsewhere, e.g. Hugging Face's tokenizers: padded, run through transformers.js's
// model, pooled with its mean_pooling or the first token, normalized). OUT gets the vectors as little-endian
// float32, (inputs, hidden) row-major. Prints one JSON line: {"inputs", "dimensions", "tokens", "seconds", "cpu_seconds"}
// (the embedding calls only, not loading; CPU time of the whole process, onnxruntime's threads included).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline, AutoModel, Tensor, mean_pooling, env } from '@huggingface/transformers';

const [modelDir, inputPath, outPath, pooling, threads = '0', batch = '32'] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep;
const name = path.basename(path.resolve(modelDir));
const options = { dtype: 'fp32', device: 'cpu' };
if (Number(threads) > 0) options.session_options = { intraOpNumThreads: Number(threads), interOpNumThreads: 1 };
const inputs = fs.readFileSync(inputPath, 'utf8').split('\n').filter(l => l.length).map(l => JSON.parse(l));
const size = Number(batch);
const chunks = [];
let dims = 0, tokens = 0, seconds = 0;
const cpuBefore = process.cpuUsage();

if (inputs.length && inputs[0].ids) {
  const model = await AutoModel.from_pretrained(name, options);
  const started = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i += size) {
    const rows = inputs.slice(i, i + size).map(x => x.ids);
    const length = Math.max(...rows.map(r => r.length));
    const ids = new BigInt64Array(rows.length * length), mask = new BigInt64Array(rows.length * length);
    rows.forEach((r, k) => r.forEach((id, t) => { ids[k * length + t] = BigInt(id); mask[k * length + t] = 1n; }));
    tokens += rows.reduce((n, r) => n + r.length, 0);
    const shape = [rows.length, length];
    const feeds = { input_ids: new Tensor('int64', ids, shape), attention_mask: new Tensor('int64', mask, shape) };
    if (model.sessions.model.inputNames.includes('token_type_ids')) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(ids.length), shape);
    const { last_hidden_state } = await model(feeds);
    const pooled = pooling === 'mean' ? mean_pooling(last_hidden_state, feeds.attention_mask) : last_hidden_state.slice(null, 0, null);
    const vectors = pooled.normalize(2, -1);
    dims = vectors.dims[1];
    chunks.push(Buffer.from(new Float32Array(vectors.data).buffer));
  }
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
} else {
  const extractor = await pipeline('feature-extraction', name, options);
  const texts = inputs.map(x => x.text);
  const started = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i += size) {
    const output = await extractor(texts.slice(i, i + size), { pooling, normalize: true });
    dims = output.dims[1];
    chunks.push(Buffer.from(new Float32Array(output.data).buffer));
  }
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
}
fs.writeFileSync(outPath, Buffer.concat(chunks));
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ inputs: inputs.length, dimensions: dims, tokens, seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6 }));
