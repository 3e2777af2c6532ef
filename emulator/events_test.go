package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
	"github.com/clerkgo/clerk/webhook"
)

const (
	everything  = "http://127.0.0.1:9/all"
	deletesOnly = "http://127.0.0.1:9/deletes"
)

func newEventsTestService(t *testing.T, now *time.Time, endpoints ...WebhookEndpoint) (*Service, store.Store) {
	t.Helper()
	newClientsTestService(t, now) // makes the shared signing key
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(ctx, st, Options{SigningKey: clientsTestKey, Now: func() time.Time { return *now }, Webhooks: endpoints})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// outbox returns the events waiting for endpoint, decoded, in order.
func outbox(t *testing.T, st store.Store, endpoint string) []*webhook.Event {
	t.Helper()
	msgs, err := st.ListOutbox(context.Background(), store.OutboxQuery{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	var out []*webhook.Event
	for _, m := range msgs {
		var ev webhook.Event
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if m.EventType != ev.Type || !strings.HasPrefix(m.ID, "msg_") || len(m.ID) != 31 {
			t.Errorf("message %s of type %s holds a %s event", m.ID, m.EventType, ev.Type)
		}
		out = append(out, &ev)
	}
	return out
}

func types(evs []*webhook.Event) string {
	var ts []string
	for _, ev := range evs {
		ts = append(ts, ev.Type)
	}
	return strings.Join(ts, " ")
}

func TestUserChangesEmitTheirEvents(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now,
		WebhookEndpoint{URL: everything},
		WebhookEndpoint{URL: deletesOnly, Events: []string{"user.deleted"}})
	ctx := context.Background()

	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"ada@example.com"}, FirstName: v2021.Ptr("Ada")})
	if err != nil {
		t.Fatal(err)
	}
	// A refused change emits nothing.
	if _, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"ada@example.com"}}); err == nil {
		t.Fatal("a second user with the same address was created")
	}
	now = now.Add(time.Second)
	if _, err := s.Users.Update(ctx, u.ID, &v2021.UsersUpdateParams{FirstName: v2021.NullableOf("Augusta")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EmailAddresses.Create(ctx, &v2021.EmailAddressesCreateParams{UserID: &u.ID, EmailAddress: v2021.Ptr("ada2@example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.Ban(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.Update(ctx, "user_missing", &v2021.UsersUpdateParams{FirstName: v2021.NullableOf("x")}); err == nil {
		t.Fatal("updated a missing user")
	}
	if _, err := s.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.Delete(ctx, u.ID); err == nil {
		t.Fatal("deleted a user twice")
	}

	all := outbox(t, st, everything)
	if got, want := types(all), "user.created user.updated user.updated user.updated user.deleted"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	created, err := all[0].UserCreated()
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != u.ID || created.FirstName == nil || *created.FirstName != "Ada" || len(created.EmailAddresses) != 1 || created.EmailAddresses[0].EmailAddress != "ada@example.com" {
		t.Errorf("user.created data: %s", all[0].Data)
	}
	if all[0].InstanceID != s.InstanceID() || all[0].Object != "event" || all[0].Timestamp != 1700000000000 {
		t.Errorf("user.created envelope: %+v", all[0])
	}
	// The data is the user as GET /v1/users/{id} answers it, secrets aside.
	if strings.Contains(string(all[0].Data), "secrets") || strings.Contains(string(all[0].Data), "password_digest") {
		t.Errorf("user.created data holds secrets: %s", all[0].Data)
	}
	upd, err := all[1].UserUpdated()
	if err != nil {
		t.Fatal(err)
	}
	if *upd.FirstName != "Augusta" || all[1].Timestamp != 1700000001000 {
		t.Errorf("user.updated data: %s at %d", all[1].Data, all[1].Timestamp)
	}
	if withEmail, _ := all[2].UserUpdated(); len(withEmail.EmailAddresses) != 2 {
		t.Errorf("user.updated after an address was added: %s", all[2].Data)
	}
	if banned, _ := all[3].UserUpdated(); !banned.Banned {
		t.Errorf("user.updated after the ban: %s", all[3].Data)
	}
	del, err := all[4].UserDeleted()
	if err != nil {
		t.Fatal(err)
	}
	if del.ID != u.ID || !del.Deleted || del.Object != "user" {
		t.Errorf("user.deleted data: %s", all[4].Data)
	}

	deletes := outbox(t, st, deletesOnly)
	if got := types(deletes); got != "user.deleted" {
		t.Fatalf("the deletes-only endpoint got %q", got)
	}
	if string(deletes[0].Data) != string(all[4].Data) {
		t.Errorf("the endpoints got different data: %s and %s", deletes[0].Data, all[4].Data)
	}
	msgs, _ := st.ListOutbox(ctx, store.OutboxQuery{})
	ids := map[string]bool{}
	for _, m := range msgs {
		if ids[m.ID] {
			t.Errorf("message ID %s given twice", m.ID)
		}
		ids[m.ID] = true
	}
}

// An event is saved with its change or not at all: a transaction that
// fails after a user write leaves neither the user nor the event, and one
// that fails in a nested transaction keeps only the outer write's.
func TestEventsCommitWithTheirChange(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now, WebhookEndpoint{URL: everything})
	ctx := context.Background()
	rec := func(id string) *store.User {
		u, err := userRecord(&userDoc{User: &v2021.User{ID: id, Object: "user", CreatedAt: 1, UpdatedAt: 1,
			EmailAddresses: []*v2021.EmailAddress{}, PhoneNumbers: []*v2021.PhoneNumber{}}})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	boom := errors.New("boom")
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if err := tx.InsertUser(ctx, rec("user_rolledback")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = s.store.Tx(ctx, func(tx store.Store) error {
		if err := tx.InsertUser(ctx, rec("user_kept")); err != nil {
			return err
		}
		inner := tx.Tx(ctx, func(tx store.Store) error {
			if err := tx.InsertUser(ctx, rec("user_inner")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(inner, boom) {
			return fmt.Errorf("inner: %v", inner)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := outbox(t, st, everything)
	if len(evs) != 1 {
		t.Fatalf("%d events, want user_kept's only: %q", len(evs), types(evs))
	}
	if u, _ := evs[0].UserCreated(); u.ID != "user_kept" {
		t.Errorf("the event is of %s", u.ID)
	}
	for _, id := range []string{"user_rolledback", "user_inner"} {
		if _, err := st.User(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want not found", id, err)
		}
	}
}

func TestNoEndpointsNoEvents(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now)
	if _, err := s.Users.Create(context.Background(), &v2021.UsersCreateParams{}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountOutbox(context.Background(), store.OutboxQuery{}); n != 0 || err != nil {
		t.Fatalf("%d messages, %v", n, err)
	}
}

func TestWebhookEndpointsAreChecked(t *testing.T) {
	st, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newClientsTestService(t, new(time.Time))
	_, err = New(context.Background(), st, Options{SigningKey: clientsTestKey,
		Webhooks: []WebhookEndpoint{{URL: "http://ok.example/hook"}, {URL: "ftp://user:hunter2@x/y"}}})
	if err == nil || !strings.Contains(err.Error(), "webhook endpoint 2") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}

func TestSessionChangesEmitTheirEvents(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now, WebhookEndpoint{URL: everything, Events: []string{"session.created", "session.revoked", "session.ended", "session.removed"}})
	ctx := context.Background()
	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Revoke(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Revoke(ctx, sess.ID); err != nil { // already revoked: no change, no event
		t.Fatal(err)
	}
	evs := outbox(t, st, everything)
	if got := types(evs); got != "session.created session.revoked" {
		t.Fatalf("events %q", got)
	}
	created, err := evs[0].SessionCreated()
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != sess.ID || created.UserID != u.ID || created.Status != "active" {
		t.Errorf("session.created data: %s", evs[0].Data)
	}
	revoked, err := evs[1].SessionRevoked()
	if err != nil {
		t.Fatal(err)
	}
	if revoked.ID != sess.ID || revoked.Status != "revoked" {
		t.Errorf("session.revoked data: %s", evs[1].Data)
	}
}

// Accepting an organization invitation: the invitee must have the invited
// address and the invitation must be pending; a refused acceptance changes
// and emits nothing; an accepted one takes the place its invitation held
// in a full organization.
func TestAcceptOrganizationInvitation(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now, WebhookEndpoint{URL: everything})
	ctx := context.Background()
	ada, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	orgJSON, err := s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: ada.ID, MaxAllowedMemberships: v2021.Ptr(int64(2))})
	if err != nil {
		t.Fatal(err)
	}
	var org v2021.Organization
	if err := json.Unmarshal(orgJSON, &org); err != nil {
		t.Fatal(err)
	}
	invJSON, err := s.OrganizationInvitations.Create(ctx, org.ID, &v2021.OrganizationInvitationsCreateParams{EmailAddress: "BOB@example.com", Role: "org:member"})
	if err != nil {
		t.Fatal(err)
	}
	var inv v2021.OrganizationInvitation
	if err := json.Unmarshal(invJSON, &inv); err != nil {
		t.Fatal(err)
	}
	before := types(outbox(t, st, everything))

	for _, tt := range []struct {
		name, invitation, user, code string
	}{
		{"another user's invitation", inv.ID, ada.ID, "form_param_value_invalid"},
		{"an unknown user", inv.ID, "user_unknown", "resource_not_found"},
		{"an unknown invitation", "orginv_unknown", bob.ID, "resource_not_found"},
	} {
		_, err := s.AcceptOrganizationInvitation(ctx, tt.invitation, tt.user)
		if e, ok := AsError(err); !ok || e.Code != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if after := types(outbox(t, st, everything)); after != before {
		t.Errorf("refused acceptances emitted %q", strings.TrimPrefix(after, before))
	}

	// Full (ada and bob's pending invitation): the invitation's place is bob's.
	out, err := s.AcceptOrganizationInvitation(ctx, inv.ID, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	var m v2021.OrganizationMembership
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m.Role != "org:member" || m.Organization == nil || m.Organization.ID != org.ID || m.PublicUserData == nil || m.PublicUserData.UserID != bob.ID {
		t.Errorf("membership %s", out)
	}
	if after := types(outbox(t, st, everything)); after != before+" organizationMembership.created organizationInvitation.accepted" {
		t.Errorf("events %q", strings.TrimPrefix(after, before))
	}
	got, err := s.OrganizationInvitations.Get(ctx, org.ID, inv.ID)
	if err != nil || !strings.Contains(string(got), `"status":"accepted"`) {
		t.Errorf("the invitation after: %s, %v", got, err)
	}
	_, err = s.AcceptOrganizationInvitation(ctx, inv.ID, bob.ID)
	if e, ok := AsError(err); !ok || e.Code != "organization_invitation_not_pending" {
		t.Errorf("accepting twice: %v", err)
	}
}

// Deleting a user announces the memberships that go with it, then the
// user; deleting an organization announces the organization only.
func TestDeletionsAnnounceWhatGoesWithThem(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, st := newEventsTestService(t, &now, WebhookEndpoint{URL: everything})
	ctx := context.Background()
	ada, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, name := range []string{"One", "Two"} {
		out, err := s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: name, CreatedBy: ada.ID})
		if err != nil {
			t.Fatal(err)
		}
		var org v2021.Organization
		if err := json.Unmarshal(out, &org); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, org.ID)
	}
	before := len(outbox(t, st, everything))
	if _, err := s.Users.Delete(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	evs := outbox(t, st, everything)[before:]
	if got := types(evs); got != "organizationMembership.deleted organizationMembership.deleted user.deleted" {
		t.Fatalf("deleting the user emitted %q", got)
	}
	for _, ev := range evs[:2] {
		var m webhook.OrganizationMembership
		if err := ev.DecodeData(&m); err != nil {
			t.Fatal(err)
		}
		if m.PublicUserData == nil || m.PublicUserData.UserID != ada.ID {
			t.Errorf("membership deleted: %s", ev.Data)
		}
	}
	before += len(evs)
	if _, err := s.Organizations.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if got := types(outbox(t, st, everything)[before:]); got != "organization.deleted" {
		t.Errorf("deleting the organization emitted %q", got)
	}
}

// eventBody writes the envelope by hand: it must be the JSON that
// encoding/json would write for it, and refuse data that is not JSON.
func TestEventBodyIsTheEnvelope(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s, _ := newEventsTestService(t, &now, WebhookEndpoint{URL: everything})
	data := json.RawMessage(`{"id":"user_1","object":"user","public_metadata":{"html":"<b>&</b>","q":"\"x\""}}`)
	got, err := s.core.eventBody("user.created", 1700000000123, data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(map[string]any{
		"data": data, "object": "event", "timestamp": 1700000000123, "type": "user.created", "instance_id": s.core.inst.ID,
		"event_attributes": map[string]any{"http_request": map[string]string{"client_ip": "", "user_agent": ""}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	json.Unmarshal(want, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("eventBody\n%s\nwant the same as\n%s", got, want)
	}
	if _, err := s.core.eventBody("user.created", 1, json.RawMessage(`{"id":`)); err == nil {
		t.Error("data that is not JSON was taken")
	}
}
