-- The outbox without its index by endpoint: each enqueue wrote a page of
-- that index besides the row's, in the synced commit of an API change (on
-- SQLite's one writer, a create with its event was about 5% slower for
-- it). Claims find an endpoint's oldest message from a cursor instead.
--
-- outbox_endpoints lists the endpoints of the messages ever enqueued, each
-- with below: no message of the endpoint has a Seq at or below it. A claim
-- looks for an endpoint's oldest message from below up, in Seq (rowid)
-- order, and moves below up to just under what it found, or, when the
-- endpoint has no message, to the highest Seq in the outbox (sqlstore's
-- outbox.go). Seqs are given in commit order, each higher than every Seq
-- in the outbox and every one deleted (outbox_seq), so a new message is
-- always above its endpoint's below: a claim scans the messages enqueued
-- since the claim before it, not the outbox.
CREATE TABLE outbox_endpoints (
	endpoint TEXT PRIMARY KEY,
	below INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO outbox_endpoints (endpoint, below)
	SELECT endpoint, MIN(seq) - 1 FROM outbox GROUP BY endpoint;

-- An enqueue of a new endpoint's first message lists the endpoint, below
-- that message; once it is listed, the trigger finds its row and writes
-- nothing. (The migration runner ends a statement at a semicolon that
-- ends a line: the trigger's inner one does not.)
CREATE TRIGGER outbox_lists_its_endpoints AFTER INSERT ON outbox BEGIN
	INSERT INTO outbox_endpoints (endpoint, below) VALUES (NEW.endpoint, NEW.seq - 1)
		ON CONFLICT (endpoint) DO NOTHING; END;

DROP INDEX outbox_endpoint;
