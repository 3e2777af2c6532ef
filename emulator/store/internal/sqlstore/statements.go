package sqlstore

import "strings"

// queries are the static statements, rebound for the dialect once.
type queries struct {
	instance, putInstance                                string
	insertUser, updateUser, deleteUser                   string
	userForUpdate, userWithIdentifiers                   string
	insertIdentifier, identifiersOf, deleteIdentifiersOf string
	identifier                                           string
	insertObject, updateObject, object, objectByUnique   string
	objectForUpdate, objectByUniqueForUpdate             string
	deleteObject, deleteObjectsOf, deleteObjectsByRef    string
	insertOutbox, raiseOutboxSeq                         string
	claimOutboxHeads, leaseOutboxRun, moveOutboxCursor   string
	ackOutbox, retryOutbox, releaseOutbox                string
}

// writeStatements are the static statements that run most on the write
// pool: the inserts and updates of users, identifiers and objects, the
// reads of a transaction that lock what they read, and the outbox's
// writes. They are prepared once on the write pool, and parsed once per
// connection rather than at each run (on SQLite, parsing was about a third
// of the CPU of a user's insert). Preparing costs about what one run's
// parse does, when the store opens (a server of clerktest pays it for
// each test): the rarer statements (deletes) are left unprepared.
func (q *queries) writeStatements() []string {
	writes := []string{q.insertUser, q.updateUser, q.insertIdentifier, q.deleteIdentifiersOf,
		q.insertObject, q.updateObject, q.userForUpdate, q.objectForUpdate, q.objectByUniqueForUpdate,
		q.insertOutbox, q.claimOutboxHeads, q.leaseOutboxRun, q.ackOutbox, q.retryOutbox, q.releaseOutbox}
	for _, w := range []string{q.raiseOutboxSeq, q.moveOutboxCursor} {
		if w != "" {
			writes = append(writes, w)
		}
	}
	return writes
}

const userColumns = `id, created_at, updated_at, last_active_at, last_sign_in_at, first_name, last_name,
	username, external_id, primary_email, primary_phone, primary_web3_wallet, doc`

// objectColumns are the columns of an Object, in the order of
// objectFields; listObjectColumns the same of the objects aliased "o".
const (
	objectColumns = `kind, id, user_id, ref, status, unique_key, sort_key, sort_num, search,
	created_at, updated_at, doc`
	listObjectColumns = `o.kind, o.id, o.user_id, o.ref, o.status, o.unique_key, o.sort_key, o.sort_num, o.search,
	o.created_at, o.updated_at, o.doc`
)

func newQueries(d *Dialect) queries {
	return queries{
		instance: `SELECT id, secret_key, publishable_key, signing_key_pem, created_at, doc FROM instance WHERE singleton = 1`,
		putInstance: d.rebind(`INSERT INTO instance (singleton, id, secret_key, publishable_key, signing_key_pem, created_at, doc)
			VALUES (1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, secret_key = excluded.secret_key,
				publishable_key = excluded.publishable_key, signing_key_pem = excluded.signing_key_pem,
				created_at = excluded.created_at, doc = excluded.doc`),
		insertUser: d.rebind(`INSERT INTO users (id, created_at, updated_at, last_active_at, last_sign_in_at, first_name, last_name,
			username, external_id, primary_email, primary_phone, primary_web3_wallet, doc, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		updateUser: d.rebind(`UPDATE users SET created_at = ?, updated_at = ?, last_active_at = ?, last_sign_in_at = ?,
			first_name = ?, last_name = ?, username = ?, external_id = ?, primary_email = ?, primary_phone = ?,
			primary_web3_wallet = ?, doc = ?, search = ? WHERE id = ?`),
		userForUpdate: d.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`) + d.RowLock,
		// A user and its identifiers in one statement, so in one snapshot
		// without a transaction: one row per identifier, or one row of
		// NULL identifier columns when it has none.
		userWithIdentifiers: d.rebind(`SELECT u.id, u.created_at, u.updated_at, u.last_active_at, u.last_sign_in_at,
			u.first_name, u.last_name, u.username, u.external_id, u.primary_email, u.primary_phone,
			u.primary_web3_wallet, u.doc, i.id, i.kind, i.value
			FROM users u LEFT JOIN identifiers i ON i.user_id = u.id WHERE u.id = ? ORDER BY i.position`),
		deleteUser:          d.rebind(`DELETE FROM users WHERE id = ?`),
		insertIdentifier:    d.rebind(`INSERT INTO identifiers (kind, value, id, user_id, position) VALUES (?, ?, ?, ?, ?)`),
		identifiersOf:       d.rebind(`SELECT id, user_id, kind, value FROM identifiers WHERE user_id = ? ORDER BY position`),
		deleteIdentifiersOf: d.rebind(`DELETE FROM identifiers WHERE user_id = ?`),
		identifier:          d.rebind(`SELECT id, user_id, kind, value FROM identifiers WHERE id = ?`),
		insertObject: d.rebind(`INSERT INTO objects (` + objectColumns + `, search_lower)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		updateObject: d.rebind(`UPDATE objects SET user_id = ?, ref = ?, status = ?, unique_key = ?, sort_key = ?,
			sort_num = ?, search = ?, search_lower = ?, updated_at = ?, doc = ?
			WHERE kind = ? AND id = ?`),
		object:         d.rebind(`SELECT ` + objectColumns + ` FROM objects WHERE kind = ? AND id = ?`),
		objectByUnique: d.rebind(`SELECT ` + objectColumns + ` FROM objects WHERE kind = ? AND unique_key = ?`),
		// The same inside Tx, read to be modified: lock the row.
		objectForUpdate:         d.rebind(`SELECT `+objectColumns+` FROM objects WHERE kind = ? AND id = ?`) + d.RowLock,
		objectByUniqueForUpdate: d.rebind(`SELECT `+objectColumns+` FROM objects WHERE kind = ? AND unique_key = ?`) + d.RowLock,
		deleteObject:            d.rebind(`DELETE FROM objects WHERE kind = ? AND id = ?`),
		deleteObjectsOf:         d.rebind(`DELETE FROM objects WHERE user_id = ?`),
		deleteObjectsByRef:      d.rebind(`DELETE FROM objects WHERE ref = ?`),
		// Saves a message with the next Seq (see outbox.go): from the
		// sequence outbox_seqs, or with OutboxSeqFromMax one more than the
		// highest given; it returns the Seq, unless OutboxSeqIsRowID.
		insertOutbox: d.rebind(insertOutbox(d)),
		// Raises the floor of the Seqs to give (the 1st and 2nd argument),
		// after an acknowledgement deleted a message with OutboxSeqFromMax
		// (only: there is no outbox_seq otherwise).
		raiseOutboxSeq:   raiseOutboxSeq(d),
		claimOutboxHeads: d.rebind(claimOutboxHeads(d)),
		leaseOutboxRun:   d.rebind(leaseOutboxRun(d)),
		moveOutboxCursor: moveOutboxCursor(d),
		ackOutbox:        d.rebind(`DELETE FROM outbox WHERE id = ? AND attempts = ? RETURNING seq`),
		retryOutbox:      d.rebind(`UPDATE outbox SET leased_until = 0, next_attempt_at = ? WHERE id = ? AND attempts = ?`),
		releaseOutbox:    d.rebind(`UPDATE outbox SET leased_until = 0, attempts = attempts - 1 WHERE id = ? AND attempts = ?`),
	}
}

// insertOutbox is the statement that saves an outbox message, its Seq
// taken from the sequence outbox_seqs or, with Dialect.OutboxSeqFromMax,
// as one more than the highest given. Its arguments are those of
// outboxColumns up to seq, less attempts and leased_until (stored as 0).
// It returns the Seq, but with Dialect.OutboxSeqIsRowID, where the
// insert's result has it.
func insertOutbox(d *Dialect) string {
	const columns = `id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until, seq`
	seq := `nextval('outbox_seqs')`
	if d.OutboxSeqFromMax {
		seq = `(SELECT MAX(COALESCE((SELECT MAX(seq) FROM outbox), 0), last_seq) + 1 FROM outbox_seq WHERE singleton = 1)`
	}
	insert := `INSERT INTO outbox (` + columns + `) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ` + seq + `)`
	if d.OutboxSeqIsRowID {
		return insert
	}
	return insert + ` RETURNING seq`
}

func raiseOutboxSeq(d *Dialect) string {
	if !d.OutboxSeqFromMax {
		return ""
	}
	return d.rebind(`UPDATE outbox_seq SET last_seq = ? WHERE singleton = 1 AND last_seq < ?`)
}

// outboxLeased is the condition that an endpoint (the query's 1st
// argument) has a message leased at the 2nd: an attempt under way.
// PostgreSQL finds them through the partial index outbox_leased.
const outboxLeased = `EXISTS (SELECT 1 FROM outbox l WHERE l.endpoint = ? AND l.leased_until <> 0 AND l.leased_until > ?)`

// claimOutboxHeads is the statement that picks the endpoints a claim
// takes.
//
// With Dialect.OutboxEndpointLock (PostgreSQL): the endpoints whose oldest
// message (the lowest Seq the statement sees) is due and not leased at the
// 1st and 2nd arguments, of the endpoint of the 3rd and 4th when not ”,
// with no message leased (5th argument: now), up to the last argument
// many, the lowest heads first, each locked, skipping those another claim
// holds; the filter applies to the heads in order, so that the LIMIT
// counts the endpoints locked. It returns each endpoint and its head's
// Seq. Its snapshot is older than the locks: the run is read again, under
// them (leaseOutboxRun).
//
// Without it (SQLite), claimOutboxCursors.
func claimOutboxHeads(d *Dialect) string {
	if d.outboxCursors() {
		return claimOutboxCursors
	}
	// The endpoints one after the other through the index outbox_endpoint
	// (a loose index scan: a lookup an endpoint, not a row a message), and
	// each one's lowest Seq by the same index. OFFSET 0 keeps the subquery
	// from being merged into the outer query, and the lock from being
	// pushed into it (where it would lock the endpoint of every message
	// scanned): it runs on the heads only, in Seq order, until LIMIT has
	// enough.
	return `SELECT h.endpoint, h.seq FROM (WITH RECURSIVE e (endpoint) AS (
				SELECT MIN(endpoint) FROM outbox
				UNION ALL
				SELECT (SELECT MIN(n.endpoint) FROM outbox n WHERE n.endpoint > e.endpoint) FROM e WHERE e.endpoint IS NOT NULL)
			SELECT o.endpoint, o.seq FROM e JOIN outbox o ON o.seq = (SELECT MIN(m.seq) FROM outbox m WHERE m.endpoint = e.endpoint)
			WHERE o.next_attempt_at <= ? AND o.leased_until <= ? AND (? = '' OR o.endpoint = ?)
				AND NOT ` + strings.ReplaceAll(outboxLeased, "l.endpoint = ?", "l.endpoint = o.endpoint") + `
			ORDER BY o.seq OFFSET 0) h
		WHERE ` + d.OutboxEndpointLock + ` LIMIT ?`
}

// claimOutboxCursors is claimOutboxHeads without Dialect.OutboxEndpointLock:
// every endpoint listed (of the 1st and 2nd arguments when not ”), with
// its cursor, its oldest message above the cursor (Seq, when it is due and
// until when it is leased; NULL when there is none) and the highest Seq in
// the outbox. The oldest message is looked for from the cursor up in Seq
// (rowid) order; outbox.go's claim moves the cursors up to what it found
// (moveOutboxCursor) and picks the heads.
const claimOutboxCursors = `SELECT e.endpoint, e.below, h.seq, h.next_attempt_at, h.leased_until,
		(SELECT COALESCE(MAX(seq), 0) FROM outbox)
	FROM outbox_endpoints e LEFT JOIN outbox h ON h.seq = (SELECT o.seq FROM outbox o
		WHERE o.seq > e.below AND o.endpoint = e.endpoint ORDER BY o.seq LIMIT 1)
	WHERE ? = '' OR e.endpoint = ?`

// moveOutboxCursor moves the cursor of an endpoint (the 2nd argument) up
// to the 1st, without Dialect.OutboxEndpointLock; "" otherwise.
func moveOutboxCursor(d *Dialect) string {
	if !d.outboxCursors() {
		return ""
	}
	return `UPDATE outbox_endpoints SET below = ?1 WHERE endpoint = ?2 AND below < ?1`
}

// leaseOutboxRun is the statement that leases a run of an endpoint: of
// its first messages in Seq order, up to a number, those before the first
// that is not due or is leased. It returns them, in no order. Its
// arguments: those that find the candidates, the most messages, the end
// of the lease, the endpoint, and now four times (outbox.go's leaseRun).
//
// With Dialect.OutboxEndpointLock (PostgreSQL) the candidates' are the
// endpoint twice and now: it runs under the endpoint's lock, with a
// snapshot that sees what the claims before committed, leases nothing
// while a message of the endpoint is leased, and its first message is the
// lowest Seq committed, wherever that Seq is among those delivered
// already. Without it (SQLite) they are the head's Seq and the endpoint:
// the run starts at the head claimOutboxCursors found, and is read from it
// in Seq (rowid) order, with no index by endpoint.
//
// The candidates are read once (MATERIALIZED); the UPDATE checks each
// again as it is when written (on PostgreSQL a concurrent end of an old
// claim whose lease ended may have changed it meanwhile).
func leaseOutboxRun(d *Dialect) string {
	candidates := `seq >= ? AND endpoint = ?`
	if !d.outboxCursors() {
		candidates = `endpoint = ? AND NOT ` + outboxLeased
	}
	return `WITH c AS MATERIALIZED (SELECT seq, next_attempt_at, leased_until FROM outbox
			WHERE ` + candidates + ` ORDER BY seq LIMIT ?)
		UPDATE outbox SET leased_until = ?, attempts = attempts + 1
		WHERE endpoint = ? AND next_attempt_at <= ? AND leased_until <= ? AND seq IN (SELECT seq FROM c
			WHERE seq < COALESCE((SELECT MIN(seq) FROM c WHERE next_attempt_at > ? OR leased_until > ?), 9223372036854775807))
		RETURNING ` + outboxColumns
}
