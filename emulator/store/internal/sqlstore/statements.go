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
	takeOutboxSeqs, insertOutbox, claimOutbox            string
	ackOutbox, retryOutbox                               string
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
		// Takes n Seqs (the argument) and returns the last; the row stays
		// locked until the transaction ends (see outbox.go).
		takeOutboxSeqs: d.rebind(`UPDATE outbox_seq SET last_seq = last_seq + ? WHERE singleton = 1 RETURNING last_seq`),
		insertOutbox: d.rebind(`INSERT INTO outbox (id, endpoint, event_type, payload, created_at, attempts,
			next_attempt_at, leased_until, seq) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?)`),
		// Leases (until the 1st argument) the oldest message of each
		// endpoint (or of the endpoint of the 4th and 5th, when not '') if
		// it is due and not leased at the 2nd and 3rd, up to the 6th many,
		// lowest Seq first. On PostgreSQL the picked rows are locked, and
		// those another claim is taking skipped; a row that another claim
		// leased and committed since this statement's snapshot is checked
		// again as it is now, so that it is not leased twice.
		claimOutbox: d.rebind(`UPDATE outbox SET leased_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT o.id FROM outbox o
				WHERE o.next_attempt_at <= ? AND o.leased_until <= ? AND (? = '' OR o.endpoint = ?)
					AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.endpoint = o.endpoint AND h.seq < o.seq)
				ORDER BY o.seq LIMIT ?` + d.SkipLocked + `)
			RETURNING ` + outboxColumns),
		ackOutbox:   d.rebind(`DELETE FROM outbox WHERE id = ? AND attempts = ?`),
		retryOutbox: d.rebind(`UPDATE outbox SET leased_until = 0, next_attempt_at = ? WHERE id = ? AND attempts = ?`),
	}
}
