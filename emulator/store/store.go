// Package store defines the storage the local Backend API (package
// emulator) needs, and the records it keeps. Implementations: sqlite (the
// embedded default) and postgres, both tested by one suite (storetest).
//
// The store understands only what it must index or keep unique; everything
// else about a resource is the domain's JSON document (Doc), which the
// store saves and returns byte for byte.
package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotFound is returned when no record has the ID or key asked for.
var ErrNotFound = errors.New("store: not found")

// ConflictError is returned when a write would give a unique key (an
// identifier such as an email address, or an object's unique key) to a
// second record. The write is not applied.
type ConflictError struct {
	Kind  string // e.g. "email_address", "username", "external_id"
	Value string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: %s %q is taken", e.Kind, e.Value)
}

// MaxKeyBytes is the longest text, in bytes, that the stores keep in a
// column they index (names, identifier values, IDs, references, statuses,
// unique keys, sort keys). PostgreSQL's B-tree entries hold about 2,700
// bytes and SQLite's any length: both stores refuse the same writes.
const MaxKeyBytes = 1024

// ValueError is returned by a write holding text that no store can keep:
// NUL or invalid UTF-8 in any text field (PostgreSQL refuses both), or
// more than MaxKeyBytes in an indexed one. Both stores refuse exactly the
// same values. The domain validates what it writes first; this is the
// line that keeps the two stores alike whatever reaches them.
type ValueError struct {
	Field   string // e.g. "first_name", "identifier email_address"
	Problem string // e.g. "holds NUL"
}

func (e *ValueError) Error() string {
	return "store: " + e.Field + " " + e.Problem
}

// Store is the storage of one emulated Clerk instance. All methods are
// safe for concurrent use. Writes are durable when they return: a write
// that returned nil survives a crash of the process.
type Store interface {
	// Instance returns the instance settings saved by PutInstance, or
	// ErrNotFound on first start.
	Instance(ctx context.Context) (*Instance, error)
	// PutInstance saves the instance settings, replacing earlier ones.
	PutInstance(ctx context.Context, in *Instance) error

	// InsertUser saves a new user and its identifiers. It fails with
	// *ConflictError when an identifier's (Kind, Value) belongs to another
	// user, however many concurrent inserts race for it.
	InsertUser(ctx context.Context, u *User) error
	// Reads by a key that no write could have stored (NUL or invalid
	// UTF-8) find nothing, on every store: ErrNotFound, or no rows for a
	// list filter.

	// User returns a user by ID, or ErrNotFound. Inside Tx it also locks
	// the user until the transaction ends, so that a read-modify-write of
	// a user in a transaction never loses a concurrent one.
	User(ctx context.Context, id string) (*User, error)
	// UpdateUser replaces a user (columns, document and identifiers)
	// atomically; ErrNotFound if it does not exist, *ConflictError as for
	// InsertUser.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser deletes a user, its identifiers and every object whose
	// UserID is the user's; ErrNotFound if it does not exist.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers returns the users matching q, ordered and paged as q says.
	ListUsers(ctx context.Context, q UserQuery) ([]*User, error)
	// CountUsers counts the users matching q (ignoring order and paging).
	CountUsers(ctx context.Context, q UserQuery) (int64, error)
	// Identifier returns an identifier by its ID (e.g. an email address's
	// "idn_..."), or ErrNotFound.
	Identifier(ctx context.Context, id string) (*Identifier, error)

	// InsertObject saves a new object (session, client, JWT template,
	// sign-in token, ...). Unique, when set, must be unique among the
	// objects of the same Kind (*ConflictError{Kind: o.Kind}).
	InsertObject(ctx context.Context, o *Object) error
	// Object returns an object of a kind by ID, or ErrNotFound. Inside Tx
	// it also locks the object until the transaction ends, as User does a
	// user, so that a read-modify-write of an object in a transaction (a
	// counter kept in SortNum, say) never loses a concurrent one: a
	// concurrent transaction reading it waits. A transaction that locks
	// several objects or users should lock them in one order everywhere
	// (PostgreSQL ends one of two transactions that wait for each other
	// with an error after a second, and Tx then runs fn again).
	Object(ctx context.Context, kind, id string) (*Object, error)
	// ObjectByUnique returns the object of a kind with a unique key, or
	// ErrNotFound. Inside Tx it locks the object as Object does.
	ObjectByUnique(ctx context.Context, kind, unique string) (*Object, error)
	// UpdateObject replaces an object (all fields but Kind, ID and
	// CreatedAt); ErrNotFound, *ConflictError.
	UpdateObject(ctx context.Context, o *Object) error
	// DeleteObject deletes an object; ErrNotFound if it does not exist.
	DeleteObject(ctx context.Context, kind, id string) error
	// DeleteObjectsByRef deletes every object, of any kind, whose Ref is
	// ref (an organization's memberships, invitations and domains, say),
	// and returns how many it deleted: 0, and no error, when none has it.
	// An empty ref is an error, deleting nothing: it would name every
	// object without a reference. Inside Tx it is part of the transaction.
	DeleteObjectsByRef(ctx context.Context, ref string) (int64, error)
	// ListObjects returns the objects of q.Kind matching q, ordered by
	// q.OrderBy (newest first by default) and paged by q.Limit and
	// q.Offset. It fails for an unknown q.OrderBy. Unlike Object, it
	// locks nothing inside Tx.
	ListObjects(ctx context.Context, q ObjectQuery) ([]*Object, error)
	// CountObjects counts the objects matching q's filters (ignoring its
	// order and paging).
	CountObjects(ctx context.Context, q ObjectQuery) (int64, error)

	// The outbox: events to deliver (webhooks), saved with the change that
	// caused them and handed out to delivery workers, possibly in several
	// processes sharing one database. See OutboxMessage. An enqueue is as
	// durable as the change it is part of; claims and the ends of attempts
	// (ClaimOutbox, AckOutbox, RetryOutbox, SettleOutbox) may commit without
	// waiting for the disk, so that a crash of the machine (not of the
	// process) can undo the last of them: a message is then claimed, or
	// sent, again, as at-least-once delivery allows.

	// EnqueueOutbox saves messages to deliver, assigning each its Seq (set
	// in the given messages too) in the order given. Inside Tx it is part
	// of the transaction: the messages commit with the change, or not at
	// all. Attempts and LeasedUntil are stored as 0 whatever they hold; an
	// ID that is already in the outbox is a *ConflictError{Kind:
	// "outbox_message"}, and nothing is saved. It takes no lock that other
	// enqueues wait for (on PostgreSQL; SQLite's transactions are
	// serialised anyway). A transaction should enqueue last, after its
	// other reads and writes: its Seqs are then higher than those of every
	// change it depends on (see OutboxMessage.Seq), which is what keeps
	// the delivery of related changes in order.
	EnqueueOutbox(ctx context.Context, msgs ...*OutboxMessage) error
	// ClaimOutbox claims due messages for delivery and returns them in Seq
	// order: of up to c.Limit endpoints with no message leased, the oldest
	// message (lowest Seq) committed of the endpoint, if it is due
	// (NextAttemptAt <= c.Now) and not leased (LeasedUntil <= c.Now), and
	// with c.Run > 1 the messages after it, in Seq order, up to c.Run in all
	// and as long as each is due and not leased: a run. So a claim returns
	// one run per endpoint at most, and none of an endpoint with a message
	// in flight, or whose oldest message waits for a retry: an endpoint's
	// messages are delivered one at a time (a run's one after the other,
	// each after the previous one's attempt ended), in Seq order among
	// those committed when they are claimed. A message that commits after
	// messages of higher Seqs were claimed (PostgreSQL: its transaction
	// took its Seq first, and committed later) is the next claimed of its
	// endpoint, once no message of it is in flight. Each claimed message is
	// leased until c.LeaseUntil and its Attempts counts this attempt (1 on
	// the first): it is not claimed again before the lease ends, unless an
	// end of the attempt (AckOutbox, RetryOutbox, SettleOutbox) comes
	// first; a lease that ends (the claimer died) makes the message
	// claimable again, with the next attempt number. Concurrent claims, of
	// this process or of others on the same database, never return the
	// same message for one lease, nor messages of one endpoint to two
	// claims at once (PostgreSQL: a claim locks each endpoint it takes
	// until it commits, skipping those other claims hold, and then reads
	// the endpoint's messages as committed; SQLite: serialised writes).
	ClaimOutbox(ctx context.Context, c OutboxClaim) ([]*OutboxMessage, error)
	// AckOutbox ends attempt number attempt (the claimed message's
	// Attempts) of a message successfully: the message is deleted, and the
	// next message of its endpoint becomes claimable. ErrNotFound when
	// there is no such message, or when it has been claimed again since
	// (its lease ended): that claim now owns it.
	AckOutbox(ctx context.Context, id string, attempt int) error
	// RetryOutbox ends attempt number attempt of a message in failure: its
	// lease is released and it is due again at nextAttemptAt (Unix
	// milliseconds). ErrNotFound as for AckOutbox.
	RetryOutbox(ctx context.Context, id string, attempt int, nextAttemptAt int64) error
	// SettleOutbox ends the attempts of claimed messages (a run's, say) in
	// one write: each end as AckOutbox or RetryOutbox would, or, for an
	// attempt that was claimed but never made (the messages of a run after
	// one that failed), OutboxRelease: the lease is released and the attempt
	// not counted (Attempts goes back by one; the next claim takes the same
	// number), the message due as it was. Each end applies only if its
	// attempt is still the message's current one; those that are not (the
	// message is gone, or was claimed again after its lease ended) are left
	// out, the others applied, and the error then wraps ErrNotFound. An end
	// with an unknown Outcome fails the call and nothing is applied.
	SettleOutbox(ctx context.Context, ends ...OutboxEnd) error
	// ListOutbox returns the messages of the outbox matching q, leased or
	// not, in Seq order. It locks nothing.
	ListOutbox(ctx context.Context, q OutboxQuery) ([]*OutboxMessage, error)
	// CountOutbox counts the messages matching q (ignoring q.Limit).
	CountOutbox(ctx context.Context, q OutboxQuery) (int64, error)

	// Tx runs fn in one transaction: every write fn makes through the Store
	// it is given is applied, or none is (when fn returns an error, which
	// Tx returns). A write that fails inside Tx undoes only itself, and fn
	// may go on (the write is in a savepoint of its own), unless opts has
	// TxAllOrNothing. On a transaction's Store, Tx is a nested transaction
	// (a savepoint), and opts are those of the outermost.
	//
	// A transaction the database ended for no fault of its own (on
	// PostgreSQL a deadlock or a serialization failure) is run again: fn
	// may run more than once, each time on a new transaction, and must
	// leave nothing behind from a run that the next would see.
	Tx(ctx context.Context, fn func(tx Store) error, opts ...TxOption) error

	// Close releases the store's resources.
	Close() error
}

// TxOption is an option of Store.Tx.
type TxOption int

const (
	// TxAllOrNothing is for a fn that gives up at the first write that
	// fails, returning its error: its writes are not each in a savepoint
	// of their own (which a write that fails needs, to undo itself alone
	// and leave the transaction usable), so a write of several statements,
	// InsertUser say, costs no more than its statements. A write that
	// fails leaves the transaction unusable, and Tx then rolls back and
	// returns an error, whatever fn returns. Nested Tx calls still undo
	// themselves when their fn fails, but not a write of theirs that fails.
	TxAllOrNothing TxOption = iota + 1
)

// Instance is the emulated instance's settings: its keys and identity.
type Instance struct {
	ID             string // "ins_..."
	SecretKey      string // "sk_test_..."
	PublishableKey string // "pk_test_..."
	// SigningKeyPEM is the RSA private key that signs session tokens
	// (PKCS #8 PEM). It is never logged.
	SigningKeyPEM string
	CreatedAt     int64 // Unix milliseconds
	// Doc holds further settings as the domain's JSON.
	Doc []byte
}

// User is a user: the columns the API filters and orders by, its
// identifiers, and the domain's JSON document.
type User struct {
	ID           string
	CreatedAt    int64 // Unix milliseconds
	UpdatedAt    int64
	LastActiveAt int64 // 0 when never
	LastSignInAt int64 // 0 when never
	FirstName    string
	LastName     string
	Username     string
	ExternalID   string
	// PrimaryEmail, PrimaryPhone and PrimaryWeb3Wallet are the primary
	// identifiers' values, for ordering ("" when none).
	PrimaryEmail      string
	PrimaryPhone      string
	PrimaryWeb3Wallet string
	// Identifiers are the user's email addresses, phone numbers, web3
	// wallets, username and external ID: unique across users by
	// (Kind, Value). Values are compared as given; the domain normalises
	// them (e.g. lower-cases email addresses) before storing.
	Identifiers []Identifier
	// Doc is the domain's JSON document of the user.
	Doc []byte
}

// Identifier kinds.
const (
	KindEmailAddress = "email_address"
	KindPhoneNumber  = "phone_number"
	KindWeb3Wallet   = "web3_wallet"
	KindUsername     = "username"
	KindExternalID   = "external_id"
)

// Identifier is one unique identifier of a user.
type Identifier struct {
	ID     string // "idn_..."; empty for username and external_id
	UserID string
	Kind   string
	Value  string
}

// UserQuery selects users for ListUsers and CountUsers. Each non-empty
// list filter matches users having any of its values; filters combine
// with AND.
type UserQuery struct {
	UserIDs        []string
	EmailAddresses []string // identifiers of KindEmailAddress
	PhoneNumbers   []string
	Web3Wallets    []string
	Usernames      []string
	ExternalIDs    []string
	// ExcludeExternalIDs drops users whose external ID is listed.
	ExcludeExternalIDs []string
	// Query matches users whose ID, first name, last name, username,
	// external ID, or any identifier value contains it, case-insensitively.
	Query string
	// LastActiveAtSince keeps users active at or after this time
	// (Unix milliseconds); 0 means no filter.
	LastActiveAtSince int64
	// OrderBy is one of "created_at", "updated_at", "email_address",
	// "web3wallet", "first_name", "last_name", "phone_number", "username",
	// "last_active_at", "last_sign_in_at"; empty means "created_at".
	// Ties are broken by ID, so that pages never overlap.
	OrderBy    string
	Descending bool
	Limit      int // 0 means no limit
	Offset     int
}

// Object is any other resource: a session, a client, a JWT template, a
// sign-in token, an organization, a membership, ...
type Object struct {
	Kind   string // e.g. "session"
	ID     string
	UserID string // owning user, "" when none; deleted with the user
	Ref    string // a second reference to filter by, e.g. a session's client ID
	Status string // a status to filter by, e.g. "active"
	Unique string // unique among objects of the Kind when not ""
	// SortKey is text to order the objects of a kind by (ObjectOrderSortKey),
	// e.g. an organization's lower-cased name. It is compared byte by byte,
	// as given: the domain folds case, if it wants to, before storing.
	// Indexed text: at most MaxKeyBytes.
	SortKey string
	// SortNum is a number to order the objects of a kind by
	// (ObjectOrderSortNum), e.g. an organization's members count.
	SortNum int64
	// Search is the text ObjectQuery.Query looks in, e.g. an organization's
	// name and slug: the domain joins the fields it wants searched, with a
	// separator no query holds (such as "\x1f") so that a query does not
	// match across two of them. It reads back as given; it is not indexed,
	// so any length is kept.
	Search    string
	CreatedAt int64 // Unix milliseconds
	UpdatedAt int64
	Doc       []byte // the domain's JSON document
}

// ObjectOrder is what ListObjects orders objects by. The values that name a
// user's field are those of the Backend API's order_by parameters.
type ObjectOrder string

// The orders of ListObjects. Each orders by its value, then by the
// object's ID, both in the direction ObjectQuery.Ascending gives, so that
// objects whose values tie keep one order and pages never overlap.
const (
	// ObjectOrderCreatedAt orders by CreatedAt; it is the default ("").
	ObjectOrderCreatedAt ObjectOrder = "created_at"
	// ObjectOrderSortKey orders by SortKey, byte by byte.
	ObjectOrderSortKey ObjectOrder = "sort_key"
	// ObjectOrderSortNum orders by SortNum.
	ObjectOrderSortNum ObjectOrder = "sort_num"

	// The orders by a field of the object's owning user (UserID): an
	// organization's memberships by their members' names, say. An object
	// without a user, or whose user does not exist, orders as if the field
	// were "". Strings compare byte by byte, as for ListUsers.

	// ObjectOrderUserFirstName orders by the owning user's FirstName.
	ObjectOrderUserFirstName ObjectOrder = "first_name"
	// ObjectOrderUserLastName orders by the owning user's LastName.
	ObjectOrderUserLastName ObjectOrder = "last_name"
	// ObjectOrderUserUsername orders by the owning user's Username.
	ObjectOrderUserUsername ObjectOrder = "username"
	// ObjectOrderUserEmailAddress orders by the owning user's PrimaryEmail.
	ObjectOrderUserEmailAddress ObjectOrder = "email_address"
	// ObjectOrderUserPhoneNumber orders by the owning user's PrimaryPhone.
	ObjectOrderUserPhoneNumber ObjectOrder = "phone_number"
)

// ObjectQuery selects objects for ListObjects and CountObjects. Its
// filters combine with AND; an empty one selects any object.
type ObjectQuery struct {
	Kind   string // the kind listed: a list never spans kinds
	UserID string // "" means any
	Ref    string // "" means any
	Status string // "" means any
	// IDs keeps the objects whose ID is any of these; empty means any. (So
	// a caller that has worked out an empty set of IDs must not list: it
	// would get every object of the kind.)
	IDs []string
	// Query keeps the objects whose Search contains it, case-insensitively
	// (both lower-cased by Go's strings.ToLower, so that every store
	// agrees, non-ASCII letters included), as UserQuery.Query does for
	// users; "%", "_" and "\" in it match themselves. "" means any.
	Query string
	// OrderBy is the order, one of the ObjectOrder constants; "" means
	// ObjectOrderCreatedAt. Any other value fails ListObjects.
	OrderBy ObjectOrder
	// Ascending orders from the smallest value up; by default the largest
	// comes first (newest first, for ObjectOrderCreatedAt). Ties are broken
	// by ID in the same direction.
	Ascending bool
	Limit     int // 0 means no limit
	Offset    int
}

// OutboxMessage is an event waiting in the outbox to be delivered to an
// endpoint (a webhook URL, say), at least once: it stays there until an
// attempt to deliver it is acknowledged (AckOutbox).
type OutboxMessage struct {
	// ID is the message's unique ID, the same at every attempt (the
	// svix-id of a webhook). Indexed text: at most MaxKeyBytes; not "".
	ID string
	// Endpoint is where the message goes: the messages of one endpoint are
	// claimed one at a time, in Seq order among those committed (see
	// ClaimOutbox). Indexed text; not "".
	Endpoint string
	// EventType is the event's type, e.g. "user.created". Indexed text.
	EventType string
	// Payload is the body to deliver, saved and returned byte for byte.
	Payload []byte
	// CreatedAt is when the message was enqueued (Unix milliseconds).
	CreatedAt int64
	// Attempts is the number of attempts claimed so far: 0 until the first
	// claim, and the number of the current attempt in a claimed message.
	// The store counts it (EnqueueOutbox ignores it).
	Attempts int
	// NextAttemptAt is when the message is due (Unix milliseconds): it is
	// not claimed before. 0 (or any past time) is due at once.
	NextAttemptAt int64
	// LeasedUntil is the end of the current attempt's lease (Unix
	// milliseconds), 0 when none was taken or it was released. The store
	// sets it (EnqueueOutbox ignores it).
	LeasedUntil int64
	// Seq is the message's position in the outbox, assigned by
	// EnqueueOutbox: unique, increasing in the order the messages were
	// enqueued (the messages of one EnqueueOutbox in the order given), and
	// so in the order of changes related to one another: a change that
	// read or waited for another's writes before it enqueued (or began
	// after the other committed) has the higher Seqs. Changes that ran at
	// once, each independent of the other, may commit in the other order
	// than their Seqs (on PostgreSQL; SQLite commits one write at a time,
	// in Seq order): their messages are delivered in either order, never
	// two of an endpoint at once. EnqueueOutbox ignores the value given.
	Seq int64
}

// OutboxClaim is what ClaimOutbox claims, and for how long.
type OutboxClaim struct {
	// Now is the time of the claim (Unix milliseconds): messages due at or
	// before Now whose lease ended at or before Now may be claimed.
	Now int64
	// LeaseUntil is when the lease of the claimed messages ends (Unix
	// milliseconds), Now plus the longest an attempt may take: until then
	// no other claim takes them. It must be after Now.
	LeaseUntil int64
	// Limit is the most endpoints whose messages are claimed (so, with Run
	// at most 1, the most messages); it must be at least 1.
	Limit int
	// Run is the most messages claimed of one endpoint: its oldest and
	// those after it, in Seq order, as long as each is due and not leased.
	// 0 or 1 claims the oldest only. The claimer attempts a run's messages
	// in Seq order, one at a time, starting an attempt only if it can end
	// before LeaseUntil, and ends each message's claim (AckOutbox,
	// RetryOutbox, SettleOutbox): after an attempt that failed, the
	// messages after it are released (OutboxRelease), so that none is
	// delivered before it.
	Run int
	// Endpoint claims only the messages of this endpoint; "" means any.
	Endpoint string
}

// OutboxQuery selects outbox messages for ListOutbox and CountOutbox.
type OutboxQuery struct {
	Endpoint string // "" means any
	Limit    int    // 0 means no limit
}

// OutboxEnd is how one claimed attempt ended, for SettleOutbox.
type OutboxEnd struct {
	ID      string
	Attempt int // the claimed message's Attempts
	Outcome OutboxOutcome
	// NextAttemptAt is when a message retried (OutboxRetry) is due again
	// (Unix milliseconds).
	NextAttemptAt int64
}

// OutboxOutcome is the outcome of a claimed attempt.
type OutboxOutcome int

// The outcomes of SettleOutbox.
const (
	// OutboxAck: delivered, or given up; the message is deleted (AckOutbox).
	OutboxAck OutboxOutcome = iota + 1
	// OutboxRetry: the attempt failed; the lease is released and the
	// message due again at NextAttemptAt (RetryOutbox).
	OutboxRetry
	// OutboxRelease: the attempt was never made; the lease is released,
	// the attempt not counted, and the message due as before.
	OutboxRelease
)
