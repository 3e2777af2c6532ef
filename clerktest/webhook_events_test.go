package clerktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/api"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
	"github.com/clerkgo/clerk/webhook"
)

// emittedEvents are the event types the server emits; notEmitted are the
// spec's others, each with why. Together they are the spec's 45 events
// (TestEmittedEventsAreTheSpecs).
var emittedEvents = []string{
	"email.created",
	"organization.created", "organization.deleted", "organization.updated",
	"organizationDomain.created", "organizationDomain.deleted", "organizationDomain.updated",
	"organizationInvitation.accepted", "organizationInvitation.created", "organizationInvitation.revoked",
	"organizationMembership.created", "organizationMembership.deleted", "organizationMembership.updated",
	"session.created", "session.revoked",
	"user.created", "user.deleted", "user.updated",
}

var notEmitted = map[string]string{
	"session.ended":   "sessions end by signing out, through the Frontend API",
	"session.removed": "sessions are removed through the Frontend API",
	"session.pending": "sessions with pending tasks are not emulated",
	"sms.created":     "no Backend API operation the server has sends an SMS",
}

// notEmittedPrefixes are groups of the spec's events for features the
// server does not have.
var notEmittedPrefixes = map[string]string{
	"paymentAttempt.":   "billing is not emulated",
	"subscription.":     "billing is not emulated",
	"subscriptionItem.": "billing is not emulated",
	"permission.":       "custom roles and permissions are not emulated",
	"role.":             "custom roles and permissions are not emulated",
	"waitlistEntry.":    "the waitlist is not emulated",
}

// webhookSchemas are the schemas of the spec's event bodies, by type, with
// their references resolved: the spec's x-webhooks, loaded as paths.
func webhookSchemas(t *testing.T) map[string]*openapi3.Schema {
	t.Helper()
	loaded, err := openapi3.NewLoader().LoadFromData(api.WebhookSpec)
	if err != nil {
		t.Fatal(err)
	}
	asJSON, err := loaded.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(asJSON, &doc); err != nil {
		t.Fatal(err)
	}
	hooks, _ := doc["x-webhooks"].(map[string]any)
	paths := map[string]any{}
	for typ, h := range hooks {
		paths["/"+typ] = h
	}
	delete(doc, "x-webhooks")
	doc["paths"] = paths
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*openapi3.Schema{}
	for path, item := range spec.Paths.Map() {
		out[strings.TrimPrefix(path, "/")] = item.Post.RequestBody.Value.Content["application/json"].Schema.Value
	}
	if len(out) != 45 {
		t.Fatalf("%d event schemas, want 45", len(out))
	}
	return out
}

func TestEmittedEventsAreTheSpecs(t *testing.T) {
	var spec []string
	for typ := range webhookSchemas(t) {
		spec = append(spec, typ)
	}
	sort.Strings(spec)
	for _, typ := range spec {
		emitted := slices.Contains(emittedEvents, typ)
		_, not := notEmitted[typ]
		for p := range notEmittedPrefixes {
			not = not || strings.HasPrefix(typ, p)
		}
		if emitted == not {
			t.Errorf("%s: emitted %v, listed as not emitted %v: want exactly one", typ, emitted, not)
		}
	}
	for _, typ := range emittedEvents {
		if !slices.Contains(spec, typ) {
			t.Errorf("%s is not an event of the spec", typ)
		}
	}
}

// Every event type the server emits, caused by the operations that cause
// it, delivered, verified, and checked against the spec's schema of its
// body and on the fields that say what changed. On both stores.
func TestEveryEmittedEventMatchesTheSpec(t *testing.T) {
	schemas := webhookSchemas(t)
	t.Run("sqlite", func(t *testing.T) { testEveryEmittedEvent(t, schemas) })
	t.Run("postgres", func(t *testing.T) {
		testEveryEmittedEvent(t, schemas, clerktest.WithDatabase(pgtest.NewDatabase(t)))
	})
}

func testEveryEmittedEvent(t *testing.T, schemas map[string]*openapi3.Schema, opts ...clerktest.Option) {
	secret, v := newVerifier(t)
	var mu sync.Mutex
	var bodies []map[string]any // as the application received them
	type rawKey struct{}
	handler := webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		var body map[string]any
		if err := json.Unmarshal(ctx.Value(rawKey{}).([]byte), &body); err != nil {
			return err
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		return nil
	})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rawKey{}, raw)))
	}))
	defer app.Close()
	srv := clerktest.NewServer(t, append(opts, clerktest.WithWebhooks(app.URL, secret))...)
	c := srv.Client
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	ada := srv.CreateUser(t, &clerk.UsersCreateParams{FirstName: clerk.Ptr("Ada"), EmailAddress: []string{"ada@example.com"}})
	bob := srv.CreateUser(t, &clerk.UsersCreateParams{FirstName: clerk.Ptr("Bob"), EmailAddress: []string{"bob@example.com"}})
	_, err := c.Users.Update(ctx, ada.ID, &clerk.UsersUpdateParams{LastName: clerk.NullableOf("Lovelace")})
	must(err)
	srv.SessionToken(t, bob.ID) // session.created
	sessions, err := c.Sessions.List(ctx, &clerk.SessionsListParams{UserID: &bob.ID})
	must(err)
	if len(sessions.Data) != 1 {
		t.Fatalf("%d sessions of bob", len(sessions.Data))
	}
	_, err = c.Sessions.Revoke(ctx, sessions.Data[0].ID)
	must(err)
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", CreatedBy: clerk.Ptr(ada.ID)})
	must(err)
	_, err = c.Organizations.Update(ctx, org.ID, &clerk.OrganizationsUpdateParams{Name: clerk.NullableOf("Acme Corp")})
	must(err)
	inv, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{
		EmailAddress: "bob@example.com", Role: "org:member", InviterUserID: &ada.ID})
	must(err)
	srv.AcceptOrganizationInvitation(t, inv.ID, bob.ID)
	_, err = c.OrganizationMemberships.Update(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateParams{Role: "org:admin"})
	must(err)
	_, err = c.OrganizationMemberships.Delete(ctx, org.ID, bob.ID)
	must(err)
	revoked, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{
		EmailAddress: "carol@example.com", Role: "org:member"})
	must(err)
	_, err = c.OrganizationInvitations.Revoke(ctx, org.ID, revoked.ID, &clerk.OrganizationInvitationsRevokeParams{})
	must(err)
	dom, err := c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("acme.test")})
	must(err)
	_, err = c.OrganizationDomain.Update(ctx, org.ID, dom.ID, &clerk.OrganizationDomainUpdateParams{Verified: clerk.NullableOf(true)})
	must(err)
	_, err = c.OrganizationDomains.Delete(ctx, org.ID, dom.ID)
	must(err)
	_, err = c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "dave@example.com"})
	must(err)
	_, err = c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "erin@example.com", Notify: clerk.Ptr(false)})
	must(err)
	_, err = c.Organizations.Delete(ctx, org.ID)
	must(err)
	_, err = c.Users.Delete(ctx, ada.ID)
	must(err)
	srv.FlushWebhooks(t, 20*time.Second)

	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, b := range bodies {
		got = append(got, b["type"].(string))
	}
	// In the order of the changes (one endpoint: delivered in order).
	want := []string{
		"user.created", "user.created", "user.updated", "session.created", "session.revoked",
		"organization.created", "organizationMembership.created", "organization.updated",
		"organizationInvitation.created", "email.created",
		"organizationMembership.created", "organizationInvitation.accepted",
		"organizationMembership.updated", "organizationMembership.deleted",
		"organizationInvitation.created", "email.created", "organizationInvitation.revoked",
		"organizationDomain.created", "organizationDomain.updated", "organizationDomain.deleted",
		"email.created", // dave's invitation; erin's has notify false
		"organization.deleted",
		"user.deleted",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("delivered\n%v\nwant\n%v", got, want)
	}
	seen := map[string]bool{}
	for i, b := range bodies {
		typ := want[i]
		seen[typ] = true
		if err := validateEvent(schemas[typ], b); err != nil {
			t.Errorf("%s (#%d) does not match the spec: %v\n%s", typ, i, err, mustJSON(b))
		}
		if b["object"] != "event" || b["instance_id"] == "" {
			t.Errorf("%s: envelope %v", typ, b)
		}
	}
	if missing := slices.DeleteFunc(slices.Clone(emittedEvents), func(s string) bool { return seen[s] }); len(missing) > 0 {
		t.Errorf("emitted but not caused here: %v", missing)
	}

	// What each says.
	data := func(i int) map[string]any { return bodies[i]["data"].(map[string]any) }
	field := func(i int, path ...string) any {
		var v any = data(i)
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v
	}
	checks := []struct {
		i     int
		path  string
		value any
	}{
		{2, "last_name", "Lovelace"},
		{4, "status", "revoked"},
		{5, "name", "Acme"}, {5, "members_count", float64(1)}, {5, "created_by", ada.ID},
		{6, "role", "org:admin"}, {6, "public_user_data.user_id", ada.ID}, {6, "organization.id", org.ID},
		{7, "name", "Acme Corp"},
		{8, "email_address", "bob@example.com"}, {8, "status", "pending"}, {8, "public_inviter_data.user_id", ada.ID},
		{9, "slug", "organization_invitation"}, {9, "to_email_address", "bob@example.com"}, {9, "status", "queued"},
		{10, "role", "org:member"}, {10, "public_user_data.user_id", bob.ID},
		{11, "id", inv.ID}, {11, "status", "accepted"}, {11, "user_id", bob.ID},
		{11, "data.public_organization_data.name", "Acme Corp"},
		{12, "role", "org:admin"},
		{13, "public_user_data.user_id", bob.ID}, {13, "role", "org:admin"},
		{14, "email_address", "carol@example.com"},
		{16, "id", revoked.ID}, {16, "status", "revoked"},
		{17, "name", "acme.test"},
		{18, "verification.status", "verified"},
		{19, "id", dom.ID}, {19, "deleted", true}, {19, "object", "organization_domain"},
		{20, "slug", "invitation"}, {20, "to_email_address", "dave@example.com"},
		{21, "id", org.ID}, {21, "deleted", true},
		{22, "id", ada.ID}, {22, "deleted", true},
	}
	for _, c := range checks {
		if got := field(c.i, strings.Split(c.path, ".")...); got != c.value {
			t.Errorf("%s: data.%s = %v, want %v", want[c.i], c.path, got, c.value)
		}
	}
	// The invitation emails carry the invitation's link, rendered.
	for _, i := range []int{9, 20} {
		body, _ := field(i, "body").(string)
		if !strings.Contains(body, "__clerk_ticket=") || strings.Contains(body, "{{") {
			t.Errorf("%s: body %q", want[i], body)
		}
	}
	if subject := field(9, "subject"); subject != "Ada Lovelace invited you to join Acme Corp" {
		t.Errorf("organization invitation email subject %q", subject)
	}
}

// validateEvent checks an event body against its schema: the envelope,
// then the data (validateData).
func validateEvent(schema *openapi3.Schema, body map[string]any) error {
	if schema == nil || len(schema.AllOf) != 2 {
		return fmt.Errorf("no schema of an envelope and its data")
	}
	envelope := maps.Clone(body)
	delete(envelope, "data")
	if err := schema.AllOf[0].Value.VisitJSON(envelope, openapi3.MultiErrors()); err != nil {
		return err
	}
	part := schema.AllOf[1].Value
	if !slices.Contains(part.Required, "data") && !slices.Contains(schema.Required, "data") {
		return fmt.Errorf("the schema does not require data")
	}
	return validateData(part.Properties["data"].Value, body["data"])
}

// validateData checks an event's data against its schema. Some of the
// spec's data schemas cannot be met as written: all of an object that
// allows no other properties (a Session, an OrganizationInvitation) and
// properties more (the session's user, the accepted invitation's user_id
// and data). Those are checked part by part: the object without the
// further properties, and the further properties against theirs.
func validateData(schema *openapi3.Schema, data any) error {
	if len(schema.AllOf) != 2 {
		return schema.VisitJSON(data, openapi3.MultiErrors())
	}
	base, more := schema.AllOf[0].Value, schema.AllOf[1].Value
	if base.AdditionalProperties.Has == nil || *base.AdditionalProperties.Has || len(more.Properties) == 0 {
		return schema.VisitJSON(data, openapi3.MultiErrors())
	}
	obj, ok := data.(map[string]any)
	if !ok {
		return fmt.Errorf("data is not an object")
	}
	rest, extra := maps.Clone(obj), map[string]any{}
	for name := range more.Properties {
		if v, ok := obj[name]; ok {
			extra[name] = v
			delete(rest, name)
		}
	}
	if err := base.VisitJSON(rest, openapi3.MultiErrors()); err != nil {
		return err
	}
	return more.VisitJSON(extra, openapi3.MultiErrors())
}

func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// With webhooks on, the events of a user's deletion show the memberships
// it takes, read while organizations are locked: that read must not lock
// the user, or the deletion and a concurrent membership create, which
// locks the organization then the user, wait for each other (PostgreSQL
// ends one with a deadlock error, a 500). Every request answers 2xx or
// Clerk's 4xx, never 5xx.
func TestUserDeletionsAndMembershipCreatesDoNotDeadlockWithWebhooks(t *testing.T) {
	secret, _ := newVerifier(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer app.Close()
	srv := clerktest.NewServer(t, clerktest.WithDatabase(pgtest.NewDatabase(t)), clerktest.WithWebhooks(app.URL, secret))
	c := srv.Client
	ctx := context.Background()
	owner := srv.CreateUser(t, &clerk.UsersCreateParams{})
	var orgs []string
	for i := range 3 {
		o, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: fmt.Sprintf("Org %d", i), CreatedBy: &owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}
	for round := range 15 {
		u := srv.CreateUser(t, &clerk.UsersCreateParams{})
		for _, o := range orgs[:2] {
			if _, err := c.OrganizationMemberships.Create(ctx, o, &clerk.OrganizationMembershipsCreateParams{UserID: u.ID, Role: "org:member"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(orgs)+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Users.Delete(ctx, u.ID)
			errs <- err
		}()
		for _, o := range orgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.OrganizationMemberships.Create(ctx, o, &clerk.OrganizationMembershipsCreateParams{UserID: u.ID, Role: "org:admin"})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			var apiErr *clerk.APIError
			if errors.As(err, &apiErr) && apiErr.StatusCode >= 500 || err != nil && !errors.As(err, &apiErr) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
