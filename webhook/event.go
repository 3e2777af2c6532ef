package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Event is the envelope of a Clerk webhook:
//
//	{"type": "user.created", "object": "event", "timestamp": 1654012591835,
//	 "instance_id": "ins_...", "data": {...},
//	 "event_attributes": {"http_request": {"client_ip": "...", "user_agent": "..."}}}
//
// Data is kept as raw JSON: decode it with the accessor of the event's
// type (UserCreated, SessionEnded, ..., one per event type of Clerk's
// webhook spec, generated in events_gen.go with the types of their data),
// with DecodeData into a type of the application's choosing, or with
// DeletedObject for the *.deleted events.
type Event struct {
	// Type is the event type, e.g. "user.created", "session.ended",
	// "organizationMembership.created".
	Type string `json:"type"`
	// Object is "event".
	Object string `json:"object"`
	// Timestamp is when the event happened, in milliseconds since the Unix
	// epoch (see Time).
	Timestamp int64 `json:"timestamp"`
	// InstanceID is the Clerk instance the event belongs to ("ins_...").
	InstanceID string `json:"instance_id,omitempty"`
	// Data is the event's object (a user, a session, ...), as sent.
	Data json.RawMessage `json:"data"`
	// EventAttributes describe what caused the event, when Clerk knows.
	EventAttributes EventAttributes `json:"event_attributes"`
}

// EventAttributes are the event_attributes of an Event.
type EventAttributes struct {
	// HTTPRequest is the request that caused the event, if one did.
	HTTPRequest *HTTPRequest `json:"http_request,omitempty"`
}

// HTTPRequest is the request that caused an event.
type HTTPRequest struct {
	// ClientIP is the address of the client that made the request.
	ClientIP string `json:"client_ip"`
	// UserAgent is its User-Agent header.
	UserAgent string `json:"user_agent"`
}

// DeletedObject is the data of the *.deleted events (user.deleted,
// organization.deleted, ...): the object's kind and id, and Deleted true.
type DeletedObject struct {
	// Object is the kind of object deleted, e.g. "user".
	Object string `json:"object"`
	// ID is its id.
	ID string `json:"id"`
	// Slug is the deleted object's slug, for the objects that have one
	// (organizations, roles, permissions), when Clerk sends it.
	Slug string `json:"slug,omitempty"`
	// Deleted is true.
	Deleted bool `json:"deleted"`
	// ExternalID is the deleted user's external id, when Clerk sends it.
	ExternalID string `json:"external_id,omitempty"`
}

// DecodeEvent decodes a verified body into an Event. It requires a JSON
// object with a non-empty "type" and a "data" that is not null; other
// failures match ErrMalformedEvent as well. Unknown fields are ignored.
func DecodeEvent(body []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	if ev.Type == "" {
		return nil, fmt.Errorf("%w: no type", ErrMalformedEvent)
	}
	if len(ev.Data) == 0 || bytes.Equal(ev.Data, []byte("null")) {
		return nil, fmt.Errorf("%w: no data", ErrMalformedEvent)
	}
	return &ev, nil
}

// Time returns Timestamp as a time.Time.
func (e *Event) Time() time.Time { return time.UnixMilli(e.Timestamp) }

// DecodeData decodes the event's data into v (a pointer), with
// encoding/json's rules. A failure matches ErrMalformedEvent.
func (e *Event) DecodeData(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("%w: data of %s: %v", ErrMalformedEvent, e.Type, err)
	}
	return nil
}

// DeletedObject decodes the data of a *.deleted event. It fails, matching
// ErrMalformedEvent, unless the data has an id and "deleted": true.
func (e *Event) DeletedObject() (*DeletedObject, error) {
	var d DeletedObject
	if err := e.DecodeData(&d); err != nil {
		return nil, err
	}
	if !d.Deleted || d.ID == "" {
		return nil, fmt.Errorf("%w: data of %s is not a deleted object", ErrMalformedEvent, e.Type)
	}
	return &d, nil
}

// checkType fails, matching ErrWrongEventType, unless the event is of type
// want.
func (e *Event) checkType(want string) error {
	if e.Type != want {
		return fmt.Errorf("%w: the event is %q, not %q", ErrWrongEventType, e.Type, want)
	}
	return nil
}

// decodeAs decodes the data of an event of type want into v.
func (e *Event) decodeAs(want string, v any) error {
	if err := e.checkType(want); err != nil {
		return err
	}
	return e.DecodeData(v)
}
