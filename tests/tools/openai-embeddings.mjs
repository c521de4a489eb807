// Calls an OpenAI-compatible embeddings server with the official `openai` client, as applications do, and prints
// what the client got back as one JSON line, for the .NET tests to compare with `embedctl encode`.
//   node openai-embeddings.mjs BASE_URL TOKEN PLAN_JSON
// TOKEN "-" sends no Authorization header at all. PLAN_JSON is a list of steps:
//   {"op":"models"}                      -> {"ok":true,"ids":[...]}
//   {"op":"embed","params":{...}}        -> {"ok":true,"model","usage","data":[{"index","object","embedding":[...]}]}
//   {"op":"load","params":{...},"n":N,"concurrency":C}  N requests, C at a time -> {"ok":true,"ms":[latency of each]}
// A failed call gives {"ok":false,"class":"BadRequestError",...,"status","error":{message,type,param,code},"retryAfter"}.
// The client retries nothing (maxRetries 0), so a 429 is seen as it is.
import OpenAI from 'openai'

const [baseURL, token, planJson] = process.argv.slice(2)
const client = new OpenAI({
  baseURL,
  apiKey: token === '-' ? 'unused' : token,
  defaultHeaders: token === '-' ? { Authorization: null } : {},
  maxRetries: 0,
  timeout: 300_000,
})

function decode (text) {
  const bytes = Buffer.from(text, 'base64')
  return new Float32Array(Uint8Array.from(bytes).buffer) // a copy: the pooled buffer's offset need not be 4-aligned
}

async function embed (params) {
  const res = await client.embeddings.create(params)
  return {
    ok: true,
    model: res.model,
    object: res.object,
    usage: res.usage,
    // Asked for base64 explicitly, the client hands the string over as it came: decode it here (little-endian float32).
    data: res.data.map(d => ({ index: d.index, object: d.object, base64: typeof d.embedding === 'string', embedding: Array.from(typeof d.embedding === 'string' ? decode(d.embedding) : d.embedding) })),
  }
}

async function load (step) {
  const ms = []
  let next = 0
  async function worker () {
    while (next < step.n) {
      next++
      const t = performance.now()
      await client.embeddings.create(step.params)
      ms.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: step.concurrency }, worker))
  return { ok: true, ms }
}

const out = []
for (const step of JSON.parse(planJson)) {
  try {
    if (step.op === 'models') out.push({ ok: true, ids: (await client.models.list()).data.map(m => m.id) })
    else if (step.op === 'embed') out.push(await embed(step.params))
    else if (step.op === 'load') out.push(await load(step))
    else throw new Error(`unknown op ${step.op}`)
  } catch (e) {
    if (!(e instanceof OpenAI.APIError)) throw e
    out.push({ ok: false, class: e.constructor.name, status: e.status, error: e.error ?? null, retryAfter: e.headers?.get?.('retry-after') ?? null })
  }
}
console.log(JSON.stringify(out))
