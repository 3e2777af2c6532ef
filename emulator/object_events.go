package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
)

// objectEvents says which events the writes of one kind of stored object
// cause, and what their data is. eventStore looks its kind up for every
// object it inserts, updates or deletes; a kind without an entry causes
// none.
type objectEvents struct {
	// created, updated and deleted are the event types of an insert, of
	// an update that changes the stored document, and of a deletion; ""
	// when Clerk announces none.
	created, updated, deleted string
	// transition, when set, picks the event of an update from the object
	// before and after it, in place of updated ("" for none).
	transition func(before, after *store.Object) string
	// data is the event's data of o (the object as written, or as it was
	// before its deletion), read through tx, the write's transaction; the
	// stored document when nil.
	data func(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error)
	// deletedObject, when set, makes a deletion's data {"object":
	// deletedObject, "id": ..., "deleted": true} rather than data's.
	deletedObject string
}

// objectEventsOf are the events of the stored objects Clerk announces,
// by kind. The user's are eventStore's InsertUser, UpdateUser and
// DeleteUser; organizationInvitation.accepted and email.created are
// emitted by the operations that cause them (core.emit).
var objectEventsOf = map[string]*objectEvents{
	kindSession:       &sessionEvents,
	kindOrganization:  &organizationEvents,
	kindMembership:    &membershipEvents,
	kindOrgInvitation: &orgInvitationEvents,
	kindOrgDomain:     &orgDomainEvents,
}

// sessionEvents: session.created, and session.ended, session.removed or
// session.revoked when a session's status becomes one of those. The data
// is the session with its user.
var sessionEvents = objectEvents{
	created: "session.created",
	data: func(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error) {
		u, err := peekingStore{tx}.User(ctx, o.UserID)
		if err != nil {
			return nil, fmt.Errorf("emulator: the user of session %s: %w", o.ID, err)
		}
		user, err := userEventJSON(u)
		if err != nil {
			return nil, err
		}
		return withMember(o.Doc, "user", user)
	},
	transition: func(before, after *store.Object) string {
		if before.Status == after.Status {
			return ""
		}
		return sessionEnds[after.Status]
	},
}

// sessionEnds maps the statuses a session ends in to their events.
var sessionEnds = map[string]string{"ended": "session.ended", "removed": "session.removed", "revoked": "session.revoked"}

// organizationEvents: organization.created, .updated (not when only its
// members count changes: that is not its document) and .deleted. The data
// is the organization with its members count.
var organizationEvents = objectEvents{
	created: "organization.created", updated: "organization.updated", deleted: "organization.deleted",
	deletedObject: "organization",
	data: func(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error) {
		rec, err := decodeOrg(o)
		if err != nil {
			return nil, err
		}
		members := o.SortNum
		return json.Marshal(&orgAnswer{orgRecord: rec, MembersCount: &members})
	},
}

// membershipEvents: organizationMembership.created, .updated and .deleted,
// each with the whole membership (the deleted one as it was).
var membershipEvents = objectEvents{
	created: "organizationMembership.created", updated: "organizationMembership.updated", deleted: "organizationMembership.deleted",
	data: func(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error) {
		m, err := decodeObject[membershipRecord](o)
		if err != nil {
			return nil, err
		}
		a, err := c.answerMembership(ctx, peekingStore{tx}, m, nil, nil)
		if err != nil {
			return nil, err
		}
		return json.Marshal(a)
	},
}

// orgInvitationEvents: organizationInvitation.created, and .revoked when a
// pending invitation is revoked. (.accepted is AcceptOrganizationInvitation's,
// whose data names the user.)
var orgInvitationEvents = objectEvents{
	created: "organizationInvitation.created",
	transition: func(before, after *store.Object) string {
		if before.Status == invitationPending && after.Status == invitationRevoked {
			return "organizationInvitation.revoked"
		}
		return ""
	},
	data: func(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error) {
		inv, err := decodeObject[orgInvitationRecord](o)
		if err != nil {
			return nil, err
		}
		a, err := c.answerOrgInvitation(ctx, peekingStore{tx}, inv, false)
		if err != nil {
			return nil, err
		}
		return json.Marshal(a)
	},
}

// orgDomainEvents: organizationDomain.created, .updated and .deleted.
var orgDomainEvents = objectEvents{
	created: "organizationDomain.created", updated: "organizationDomain.updated", deleted: "organizationDomain.deleted",
	deletedObject: "organization_domain",
}

// peekingStore is the store event data is read through, in the write's
// transaction: a user is read without locking it (User, in a transaction,
// locks it). The data shows users; locking one there could deadlock: a
// user's deletion announces its memberships with their organizations
// locked, while a membership create locks the organization, then the user.
type peekingStore struct{ store.Store }

// User reads a user without locking it; ErrNotFound when there is none.
func (p peekingStore) User(ctx context.Context, id string) (*store.User, error) {
	rows, err := p.ListUsers(ctx, store.UserQuery{UserIDs: []string{id}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, store.ErrNotFound
	}
	return rows[0], nil
}

// eventData is the data of ev's event of o.
func (ev *objectEvents) eventData(ctx context.Context, c *core, tx store.Store, o *store.Object) (json.RawMessage, error) {
	if ev.data == nil {
		return o.Doc, nil
	}
	return ev.data(ctx, c, tx, o)
}

// InsertObject saves a new object and emits its kind's created event.
func (e *eventStore) InsertObject(ctx context.Context, o *store.Object) error {
	ev := objectEventsOf[o.Kind]
	if ev == nil || ev.created == "" {
		return e.Store.InsertObject(ctx, o)
	}
	return e.emitting(ctx, ev.created,
		func(tx store.Store) error { return tx.InsertObject(ctx, o) },
		func(tx store.Store) (json.RawMessage, error) { return ev.eventData(ctx, e.c, tx, o) })
}

// UpdateObject saves a changed object and emits the event its kind has for
// the change, if any.
func (e *eventStore) UpdateObject(ctx context.Context, o *store.Object) error {
	ev := objectEventsOf[o.Kind]
	if ev == nil || ev.updated == "" && ev.transition == nil {
		return e.Store.UpdateObject(ctx, o)
	}
	if e.pending == nil {
		return e.Tx(ctx, func(tx store.Store) error { return tx.UpdateObject(ctx, o) })
	}
	before, err := e.Store.Object(ctx, o.Kind, o.ID)
	if err != nil {
		return err
	}
	eventType := ev.updated
	if ev.transition != nil {
		eventType = ev.transition(before, o)
	} else if bytes.Equal(before.Doc, o.Doc) {
		eventType = ""
	}
	if eventType == "" {
		return e.Store.UpdateObject(ctx, o)
	}
	return e.emitting(ctx, eventType,
		func(tx store.Store) error { return tx.UpdateObject(ctx, o) },
		func(tx store.Store) (json.RawMessage, error) { return ev.eventData(ctx, e.c, tx, o) })
}

// DeleteObject deletes an object and emits its kind's deleted event, whose
// data is read before the deletion.
func (e *eventStore) DeleteObject(ctx context.Context, kind, id string) error {
	ev := objectEventsOf[kind]
	if ev == nil || ev.deleted == "" {
		return e.Store.DeleteObject(ctx, kind, id)
	}
	if e.pending == nil {
		return e.Tx(ctx, func(tx store.Store) error { return tx.DeleteObject(ctx, kind, id) })
	}
	var data json.RawMessage
	if ev.deletedObject == "" {
		before, err := e.Store.Object(ctx, kind, id)
		if err != nil {
			return err
		}
		if data, err = ev.eventData(ctx, e.c, e.Store, before); err != nil {
			return err
		}
	}
	return e.emitting(ctx, ev.deleted,
		func(tx store.Store) error { return tx.DeleteObject(ctx, kind, id) },
		func(store.Store) (json.RawMessage, error) {
			if data != nil {
				return data, nil
			}
			return deletedJSON(ev.deletedObject, id)
		})
}

// withMember is the JSON object obj with the member name: value added at
// its end.
func withMember(obj json.RawMessage, name string, value json.RawMessage) (json.RawMessage, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, errors.New("emulator: not a JSON object")
	}
	key, err := json.Marshal(name)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(obj)+len(key)+len(value)+2)
	out = append(out, obj[:len(obj)-1]...)
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(append(append(out, key...), ':'), value...)
	return append(out, '}'), nil
}
