package sqlstore

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
	claimOutboxHeads, outboxRunNext, leaseOutboxRun      string
	ackOutbox, retryOutbox, releaseOutbox                string
}

// outboxWrites are the statements of the outbox's writes, which run often
// (in every change that saves an event, and for every delivery): prepared
// once on the write pool.
func (q *queries) outboxWrites() []string {
	return []string{q.insertOutbox, q.raiseOutboxSeq, q.claimOutboxHeads, q.outboxRunNext, q.leaseOutboxRun,
		q.ackOutbox, q.retryOutbox, q.releaseOutbox}
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
		// Saves a message with the next Seq, and returns the Seq (see
		// outbox.go): taken from outbox_seq's row, which stays locked until
		// the transaction ends, or with OutboxSeqFromMax one more than the
		// highest given.
		insertOutbox: d.rebind(insertOutbox(d.OutboxSeqFromMax)),
		// Raises the floor of the Seqs to give (the 1st and 2nd argument),
		// after an acknowledgement deleted a message with OutboxSeqFromMax.
		raiseOutboxSeq: d.rebind(`UPDATE outbox_seq SET last_seq = ? WHERE singleton = 1 AND last_seq < ?`),
		// The oldest message of each endpoint (or of the endpoint of the
		// 3rd and 4th arguments, when not '') if it is due and not leased at
		// the 1st and 2nd, up to the 5th many, lowest Seq first: the heads
		// of the runs a claim takes. On PostgreSQL they are locked, and
		// those another claim is taking skipped; a row that another claim
		// leased and committed since this statement's snapshot is checked
		// again as it is now, so that it is not leased twice. Holding its
		// head, a claim owns the endpoint until it commits: no other claim
		// takes a message of it.
		claimOutboxHeads: d.rebind(`SELECT o.id, o.endpoint, o.seq FROM outbox o
			WHERE o.next_attempt_at <= ? AND o.leased_until <= ? AND (? = '' OR o.endpoint = ?)
				AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.endpoint = o.endpoint AND h.seq < o.seq)
			ORDER BY o.seq LIMIT ?` + d.SkipLocked),
		// The messages after a head (endpoint, Seq), up to the 3rd many in
		// Seq order, locked: the candidates of its run.
		outboxRunNext: d.rebind(`SELECT seq, next_attempt_at, leased_until FROM outbox
			WHERE endpoint = ? AND seq > ? ORDER BY seq LIMIT ?`) + d.RowLock,
		// Leases (until the 1st argument) a run: the messages of an
		// endpoint from one Seq to another, both included.
		leaseOutboxRun: d.rebind(`UPDATE outbox SET leased_until = ?, attempts = attempts + 1
			WHERE endpoint = ? AND seq >= ? AND seq <= ? RETURNING ` + outboxColumns),
		ackOutbox:     d.rebind(`DELETE FROM outbox WHERE id = ? AND attempts = ? RETURNING seq`),
		retryOutbox:   d.rebind(`UPDATE outbox SET leased_until = 0, next_attempt_at = ? WHERE id = ? AND attempts = ?`),
		releaseOutbox: d.rebind(`UPDATE outbox SET leased_until = 0, attempts = attempts - 1 WHERE id = ? AND attempts = ?`),
	}
}

// insertOutbox is the statement that saves an outbox message, its Seq
// taken from outbox_seq's row or, fromMax, as one more than the highest
// given. Its arguments are those of outboxColumns up to seq, less attempts
// and leased_until (stored as 0).
func insertOutbox(fromMax bool) string {
	const columns = `id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until, seq`
	if fromMax {
		return `INSERT INTO outbox (` + columns + `) VALUES (?, ?, ?, ?, ?, 0, ?, 0,
			(SELECT MAX(COALESCE((SELECT MAX(seq) FROM outbox), 0), last_seq) + 1 FROM outbox_seq WHERE singleton = 1))
			RETURNING seq`
	}
	return `WITH s AS (UPDATE outbox_seq SET last_seq = last_seq + 1 WHERE singleton = 1 RETURNING last_seq)
		INSERT INTO outbox (` + columns + `) SELECT ?, ?, ?, ?, ?, 0, ?, 0, s.last_seq FROM s
		RETURNING seq`
}
