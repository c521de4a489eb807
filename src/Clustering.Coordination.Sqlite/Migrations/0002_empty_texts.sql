-- Documents of a committed shard whose text is empty or only whitespace (embedded all the same; counted for the
-- manifest and the summary).
ALTER TABLE shards ADD COLUMN empty_text_count INTEGER NOT NULL DEFAULT 0;
