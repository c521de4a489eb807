// Runs SQL statements with DuckDB and prints each result as JSON: {"columns": [...], "rows": [[...], ...]}, one
// document per statement, one per line. Tests use it as an independent reader of our Parquet output.
//   node duckdb-query.mjs "SELECT count(*) FROM read_parquet('out/*.parquet')" ...
// BIGINTs print as numbers; FLOAT lists as arrays of numbers (a float32 widened to a double prints exactly).
import { DuckDBInstance } from '@duckdb/node-api'

function plain(value) {
  if (typeof value === 'bigint') return Number(value)
  if (value && typeof value === 'object' && 'items' in value) return value.items.map(plain)
  if (Array.isArray(value)) return value.map(plain)
  return value
}

const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
for (const sql of process.argv.slice(2)) {
  const reader = await connection.runAndReadAll(sql)
  const rows = reader.getRows().map((row) => row.map(plain))
  process.stdout.write(JSON.stringify({ columns: reader.columnNames(), rows }) + '\n')
}
