"""Reads Parquet files with pyarrow and prints, per file, the Arrow schema, row count and key-value metadata
as JSON lines. For the GPU machine (pyarrow is not installed on the build machine):
    python3 tests/tools/pyarrow-readback.py FILE...
A file written with --vector-type fixed must show embedding as fixed_size_list<element: float not null>[d];
one written with the list form shows list<element: float not null>."""
import json
import sys

import pyarrow.parquet as pq

for path in sys.argv[1:]:
    table = pq.read_table(path)
    metadata = pq.read_metadata(path)
    embedding = table.schema.field("embedding").type if "embedding" in table.schema.names else None
    print(json.dumps({
        "file": path,
        "rows": table.num_rows,
        "row_groups": metadata.num_row_groups,
        "schema": {f.name: str(f.type) for f in table.schema},
        "embedding_is_fixed_size_list": embedding is not None and str(embedding).startswith("fixed_size_list"),
        "first_embedding": table.column("embedding")[0].as_py() if embedding is not None and table.num_rows else None,
        "metadata": {k.decode(): v.decode() for k, v in (metadata.metadata or {}).items() if k != b"ARROW:schema"},
    }))
