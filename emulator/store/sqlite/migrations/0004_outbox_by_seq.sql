-- The outbox keyed by seq, its rowid: an enqueue writes the table and two
-- indexes (id, endpoint) and nothing else, where 0003's wrote the table,
-- three indexes and the row of outbox_seq. This matters: each enqueue is
-- part of a change of the API, and SQLite has one writer.
--
-- EnqueueOutbox gives a message the seq one more than the highest in the
-- outbox and outbox_seq.last_seq: SQLite's writes are serialised, so that
-- is commit order. outbox_seq.last_seq is no longer raised by each enqueue
-- but by the acknowledgements that delete the highest seq, so that no seq
-- is given twice (sqlstore's outbox.go).
CREATE TABLE outbox_by_seq (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	endpoint TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	leased_until INTEGER NOT NULL
) STRICT;

INSERT INTO outbox_by_seq (seq, id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until)
	SELECT seq, id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until FROM outbox;

DROP TABLE outbox;

ALTER TABLE outbox_by_seq RENAME TO outbox;

-- An index's entries of one endpoint are in rowid (seq) order: a claim
-- finds the oldest message of each endpoint (and lists, counts an
-- endpoint's messages) through it.
CREATE INDEX outbox_endpoint ON outbox (endpoint);
