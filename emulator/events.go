package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/clerkgo/clerk/emulator/internal/shape"
	"github.com/clerkgo/clerk/emulator/store"
)

// WebhookEndpoint is an application URL the instance's events (webhooks)
// are sent to.
type WebhookEndpoint struct {
	// URL is where the events are POSTed; it names the endpoint in the
	// outbox, whose messages of one endpoint are delivered in order.
	URL string
	// Events lists the event types sent to the endpoint ("user.created");
	// empty means all.
	Events []string
}

func (e WebhookEndpoint) wants(eventType string) bool {
	return len(e.Events) == 0 || slices.Contains(e.Events, eventType)
}

// wanted reports whether an endpoint takes events of this type.
func (c *core) wanted(eventType string) bool {
	return slices.ContainsFunc(c.webhooks, func(ep WebhookEndpoint) bool { return ep.wants(eventType) })
}

// eventStore is the store the domain writes through when the instance has
// webhook endpoints: it turns the writes that Clerk announces with an event
// into outbox messages, saved in the transaction of the write, so an event
// is delivered if and only if its change committed. In a Tx the messages
// are enqueued when fn has returned, as the transaction's last write (the
// outbox asks for that); a write outside a Tx gets a transaction of its own
// with its messages. A nested Tx that fails takes its messages with it.
//
// It emits the user events here: user.created, user.updated (every change
// of a user, through its email addresses, phone numbers, metadata, ban,
// lock or MFA too, since they all rewrite the user) and user.deleted; the
// events of other objects as objectEventsOf says (object_events.go); and
// the events an operation emits itself (core.emit).
type eventStore struct {
	store.Store
	c       *core
	pending *[]*store.OutboxMessage // nil outside a Tx
}

// Tx runs fn in a transaction whose store collects the events of fn's
// writes, and enqueues them at the end of the outermost one.
func (e *eventStore) Tx(ctx context.Context, fn func(tx store.Store) error, opts ...store.TxOption) error {
	saved := false
	err := e.Store.Tx(ctx, func(tx store.Store) error {
		saved = false // fn may run again (Store.Tx retries a deadlock)
		var pending []*store.OutboxMessage
		if err := fn(&eventStore{Store: tx, c: e.c, pending: &pending}); err != nil {
			return err
		}
		if e.pending != nil { // nested: the outer transaction enqueues
			*e.pending = append(*e.pending, pending...)
			return nil
		}
		if len(pending) == 0 {
			return nil
		}
		saved = true
		return tx.EnqueueOutbox(ctx, pending...)
	}, opts...)
	if err == nil && saved && e.c.eventsSaved != nil {
		e.c.eventsSaved()
	}
	return err
}

// emitting makes write and records the event it causes, whose data data
// gives (reading through the transaction) once the write succeeded.
func (e *eventStore) emitting(ctx context.Context, eventType string, write func(tx store.Store) error, data func(tx store.Store) (json.RawMessage, error)) error {
	if e.pending == nil {
		return e.Tx(ctx, func(tx store.Store) error {
			return tx.(*eventStore).emitting(ctx, eventType, write, data)
		})
	}
	if err := write(e.Store); err != nil {
		return err
	}
	if !e.c.wanted(eventType) {
		return nil // no endpoint takes it: no need for its data
	}
	d, err := data(e.Store)
	if err != nil {
		return err
	}
	msgs, err := e.c.eventMessages(eventType, d)
	if err != nil {
		return err
	}
	*e.pending = append(*e.pending, msgs...)
	return nil
}

// emittingKnown is emitting for an event whose data does not depend on
// the write's transaction: outside a Tx, its messages are built before the
// transaction, so that the database (SQLite's one writer) is held for the
// write and the enqueue only.
func (e *eventStore) emittingKnown(ctx context.Context, eventType string, write func(tx store.Store) error, data func() (json.RawMessage, error)) error {
	if e.pending == nil && !e.c.wanted(eventType) {
		return write(e.Store) // no endpoint takes it: the write alone, as it is
	}
	if e.pending != nil {
		return e.emitting(ctx, eventType, write, func(store.Store) (json.RawMessage, error) { return data() })
	}
	d, err := data()
	if err != nil {
		return err
	}
	msgs, err := e.c.eventMessages(eventType, d)
	if err != nil {
		return err
	}
	// Any failure ends the transaction: its writes need no savepoints.
	err = e.Store.Tx(ctx, func(tx store.Store) error {
		if err := write(tx); err != nil {
			return err
		}
		return tx.EnqueueOutbox(ctx, msgs...)
	}, store.TxAllOrNothing)
	if err == nil && e.c.eventsSaved != nil {
		e.c.eventsSaved()
	}
	return err
}

// InsertUser saves a new user and emits user.created.
func (e *eventStore) InsertUser(ctx context.Context, u *store.User) error {
	return e.emittingKnown(ctx, "user.created",
		func(tx store.Store) error { return tx.InsertUser(ctx, u) },
		func() (json.RawMessage, error) { return userEventJSON(u) })
}

// UpdateUser saves a changed user and emits user.updated.
func (e *eventStore) UpdateUser(ctx context.Context, u *store.User) error {
	return e.emittingKnown(ctx, "user.updated",
		func(tx store.Store) error { return tx.UpdateUser(ctx, u) },
		func() (json.RawMessage, error) { return userEventJSON(u) })
}

// DeleteUser deletes a user and emits user.deleted.
func (e *eventStore) DeleteUser(ctx context.Context, id string) error {
	return e.emittingKnown(ctx, "user.deleted",
		func(tx store.Store) error { return tx.DeleteUser(ctx, id) },
		func() (json.RawMessage, error) { return deletedJSON("user", id) })
}

// emit records an event of the transaction tx, whose data data gives, to
// be delivered if tx commits: for events no single write causes (an
// invitation accepted, an email sent). Without webhook endpoints it does
// nothing; tx must be a transaction of the core's store otherwise.
func (c *core) emit(ctx context.Context, tx store.Store, eventType string, data func(tx store.Store) (json.RawMessage, error)) error {
	e, ok := tx.(*eventStore)
	if !ok {
		return nil
	}
	if e.pending == nil {
		return errors.New("emulator: an event emitted outside a transaction")
	}
	return e.emitting(ctx, eventType, func(store.Store) error { return nil }, data)
}

// eventShapeVersion is the API version whose shapes the events' data
// has: webhooks carry the current shapes, whatever version a request
// names.
const eventShapeVersion = "2026-05-12"

// userEventJSON is the data of a user event: the user in the current shape.
func userEventJSON(u *store.User) (json.RawMessage, error) {
	data, err := userJSON(u)
	if err != nil {
		return nil, err
	}
	return shape.ForVersion(data, eventShapeVersion), nil
}

// deletedJSON is the data of a *.deleted event.
func deletedJSON(object, id string) (json.RawMessage, error) {
	return json.Marshal(struct {
		Deleted bool   `json:"deleted"`
		ID      string `json:"id"`
		Object  string `json:"object"`
	}{true, id, object})
}

// eventBody is the body of a webhook, as Clerk sends it:
//
//	{"data":…,"event_attributes":{"http_request":{"client_ip":"","user_agent":""}},
//	 "instance_id":"ins_…","object":"event","timestamp":…,"type":"user.created"}
//
// written out rather than through encoding/json, which would compact and
// escape data again (a third of an event's cost, on every create): data is
// JSON the emulator encoded, checked only for validity.
func (c *core) eventBody(eventType string, now int64, data json.RawMessage) ([]byte, error) {
	if !json.Valid(data) {
		return nil, errors.New("emulator: an event's data is not JSON")
	}
	instance, err := json.Marshal(c.inst.ID)
	if err != nil {
		return nil, err
	}
	typ, err := json.Marshal(eventType)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(data)+len(instance)+len(typ)+160)
	b = append(b, `{"data":`...)
	b = append(b, data...)
	b = append(b, `,"event_attributes":{"http_request":{"client_ip":"","user_agent":""}},"instance_id":`...)
	b = append(b, instance...)
	b = append(b, `,"object":"event","timestamp":`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `,"type":`...)
	b = append(b, typ...)
	return append(b, '}'), nil
}

// eventMessages is one outbox message of the event for each endpoint that
// takes its type, each with its own message ID (the svix-id).
func (c *core) eventMessages(eventType string, data json.RawMessage) ([]*store.OutboxMessage, error) {
	if len(data) == 0 {
		return nil, errors.New("emulator: an event without data")
	}
	var msgs []*store.OutboxMessage
	var body []byte
	now := c.now().UnixMilli()
	for _, ep := range c.webhooks {
		if !ep.wants(eventType) {
			continue
		}
		if body == nil {
			var err error
			if body, err = c.eventBody(eventType, now, data); err != nil {
				return nil, err
			}
		}
		msgs = append(msgs, &store.OutboxMessage{
			ID: "msg_" + c.rand.base62(27), Endpoint: ep.URL, EventType: eventType, Payload: body, CreatedAt: now,
		})
	}
	return msgs, nil
}
