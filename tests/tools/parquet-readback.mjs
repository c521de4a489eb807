// Reads Parquet files with two independent readers, DuckDB (@duckdb/node-api) and hyparquet, and prints
// one JSON document describing what each reader saw: schema, file metadata, key-value metadata, per-chunk
// metadata (DuckDB's parquet_metadata) and every row. The .NET tests compare that with what they wrote.
//   node parquet-readback.mjs FILE...
// Float lists come back as {"f32": base64 of little-endian float32 bytes} so values compare bit for bit.
// A reader that fails on a file reports {"error": message} for that file instead of stopping the batch.
// hyparquet reads SNAPPY itself; GZIP goes through node's zlib and ZSTD through the zstd command line tool.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'

const files = process.argv.slice(2)

function floats(value) {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const f32 = Float32Array.from(value)
    if (f32.length !== value.length) throw new Error('float list length changed')
    return { f32: Buffer.from(f32.buffer).toString('base64') }
  }
  return value
}

function plain(value) {
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}

const compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  ZSTD: (input) => {
    const run = spawnSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 1 << 30 })
    if (run.status !== 0) throw new Error('zstd -d failed: ' + run.stderr.toString())
    return new Uint8Array(run.stdout)
  },
}

async function readDuckDb(connection, file) {
  const q = async (sql) => (await connection.runAndReadAll(sql, [file])).getRowObjectsJS().map(plain)
  const columns = await q('SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet($1))')
  const rows = (await connection.runAndReadAll('SELECT * FROM read_parquet($1)', [file])).getRowsJS()
    .map((row) => row.map((v) => plain(floats(v))))
  return {
    columns,
    schema: await q('SELECT name, type, repetition_type, num_children, converted_type, logical_type FROM parquet_schema($1)'),
    file: (await q('SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata($1)'))[0],
    kv: await q('SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata($1)'),
    chunks: await q(`SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, num_values,
        stats_min_value, stats_max_value, stats_null_count, compression, encodings,
        total_compressed_size, total_uncompressed_size, data_page_offset, dictionary_page_offset
      FROM parquet_metadata($1) ORDER BY row_group_id, column_id`),
    rows,
  }
}

async function readHyparquet(file) {
  const bytes = readFileSync(file)
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const metadata = parquetMetadata(buffer)
  const objects = await parquetReadObjects({ file: buffer, compressors })
  const top = []
  // Top-level columns: the root's children, skipping the nested elements of lists.
  let i = 1
  while (i < metadata.schema.length) {
    top.push(metadata.schema[i].name)
    let pending = metadata.schema[i].num_children ?? 0
    i++
    while (pending > 0) { pending += (metadata.schema[i].num_children ?? 0) - 1; i++ }
  }
  return {
    schema: plain(metadata.schema),
    numRows: Number(metadata.num_rows),
    createdBy: metadata.created_by,
    kv: metadata.key_value_metadata ?? [],
    rowGroups: metadata.row_groups.map((g) => ({
      numRows: Number(g.num_rows),
      columns: g.columns.map((c) => ({
        path: c.meta_data.path_in_schema,
        codec: c.meta_data.codec,
        encodings: c.meta_data.encodings,
        numValues: Number(c.meta_data.num_values),
      })),
    })),
    rows: objects.map((row) => top.map((name) => plain(floats(row[name])))),
  }
}

const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const result = {}
for (const file of files) {
  const entry = {}
  try { entry.duckdb = await readDuckDb(connection, file) } catch (e) { entry.duckdb = { error: String(e?.message ?? e) } }
  try { entry.hyparquet = await readHyparquet(file) } catch (e) { entry.hyparquet = { error: String(e?.stack ?? e) } }
  result[file] = entry
}
connection.closeSync()
instance.closeSync()
process.stdout.write(JSON.stringify(result))
