package main

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/webhook"
)

// webhookSettings parses the serve flags args, with the environment vars,
// into what clerk serve delivers.
func webhookSettings(t *testing.T, args []string, vars map[string]string) (webhooks, error) {
	t.Helper()
	e := &env{getenv: func(k string) string { return vars[k] }}
	cmd, f := serveCommand(e)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return e.webhookConfig(f)
}

func TestWebhookSettings(t *testing.T) {
	const a, b = "http://localhost:3000/hooks", "https://app.example/audit?k=1,2"
	userAll := []string{webhook.EventUserCreated, webhook.EventUserDeleted, webhook.EventUserUpdated}
	sessionAll := []string{webhook.EventSessionCreated, webhook.EventSessionEnded, webhook.EventSessionPending,
		webhook.EventSessionRemoved, webhook.EventSessionRevoked}
	type endpoint struct {
		url    string
		events []string // nil: all
		only   string   // as printed
	}
	for _, tt := range []struct {
		name     string
		args     []string
		vars     map[string]string
		want     []endpoint
		schedule delivery.Schedule
		timeout  time.Duration
	}{
		{name: "each --webhook-events picks for the URL before it",
			args: []string{"--webhook-url", a, "--webhook-events", "user.deleted, user.created", "--webhook-url", b},
			want: []endpoint{{a, []string{webhook.EventUserCreated, webhook.EventUserDeleted}, "user.deleted,user.created"}, {b, nil, ""}}},
		{name: "the second URL's",
			args: []string{"--webhook-url", a, "--webhook-url", b, "--webhook-events", "session.created"},
			want: []endpoint{{a, nil, ""}, {b, []string{webhook.EventSessionCreated}, "session.created"}}},
		{name: "wildcards, repeated --webhook-events add up",
			args: []string{"--webhook-url", a, "--webhook-events", "user.*", "--webhook-events", "session.*,user.created"},
			want: []endpoint{{a, slices.Concat(sessionAll, userAll), "user.*,session.*,user.created"}}},
		{name: "a wildcard in front",
			args: []string{"--webhook-url", a, "--webhook-events", "*.pending"},
			want: []endpoint{{a, []string{webhook.EventSessionPending}, "*.pending"}}},
		{name: "* is all",
			args: []string{"--webhook-url", a, "--webhook-events", "user.created,*"},
			want: []endpoint{{a, nil, ""}}},
		{name: "the environment's URLs and events",
			vars: map[string]string{"CLERK_WEBHOOK_URL": a + " , " + "http://b.example/x", "CLERK_WEBHOOK_EVENTS": "session.*"},
			want: []endpoint{{a, sessionAll, "session.*"}, {"http://b.example/x", sessionAll, "session.*"}}},
		{name: "CLERK_WEBHOOK_EVENTS for the flag URLs without --webhook-events; CLERK_WEBHOOK_URL unused",
			args: []string{"--webhook-url", a, "--webhook-events", "user.updated", "--webhook-url", b},
			vars: map[string]string{"CLERK_WEBHOOK_URL": "http://unused.example", "CLERK_WEBHOOK_EVENTS": "user.created"},
			want: []endpoint{{a, []string{webhook.EventUserUpdated}, "user.updated"}, {b, []string{webhook.EventUserCreated}, "user.created"}}},
		{name: "production schedule, timeout",
			args:     []string{"--webhook-url", a, "--webhook-schedule", "production", "--webhook-timeout", "2s"},
			want:     []endpoint{{a, nil, ""}},
			schedule: delivery.ProductionSchedule, timeout: 2 * time.Second},
		{name: "waits given",
			args:     []string{"--webhook-url", a, "--webhook-schedule", "1s, 0s,2m30s"},
			want:     []endpoint{{a, nil, ""}},
			schedule: delivery.Schedule{time.Second, 0, 150 * time.Second}},
		{name: "none",
			args:     []string{"--webhook-url", a, "--webhook-schedule", "None"},
			want:     []endpoint{{a, nil, ""}},
			schedule: delivery.Schedule{}},
		{name: "schedule and timeout from the environment",
			vars:     map[string]string{"CLERK_WEBHOOK_SCHEDULE": "production", "CLERK_WEBHOOK_TIMEOUT": "1m"},
			schedule: delivery.ProductionSchedule, timeout: time.Minute},
		{name: "the flags win over the environment",
			args:     []string{"--webhook-schedule", "3s", "--webhook-timeout", "4s"},
			vars:     map[string]string{"CLERK_WEBHOOK_SCHEDULE": "production", "CLERK_WEBHOOK_TIMEOUT": "1m"},
			schedule: delivery.Schedule{3 * time.Second}, timeout: 4 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := webhookSettings(t, tt.args, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.endpoints) != len(tt.want) {
				t.Fatalf("endpoints %+v, want %+v", w.endpoints, tt.want)
			}
			for i, ep := range w.endpoints {
				want := tt.want[i]
				if ep.URL != want.url || !slices.Equal(ep.Events, want.events) || (ep.Events == nil) != (want.events == nil) || w.only[i] != want.only {
					t.Errorf("endpoint %d: %s %q (printed %q), want %s %q (%q)", i, ep.URL, ep.Events, w.only[i], want.url, want.events, want.only)
				}
			}
			schedule := tt.schedule
			if schedule == nil {
				schedule = delivery.DevelopmentSchedule
			}
			if !slices.Equal(w.schedule, schedule) || w.schedule == nil {
				t.Errorf("schedule %v, want %v", w.schedule, schedule)
			}
			if w.timeout != tt.timeout {
				t.Errorf("timeout %v, want %v", w.timeout, tt.timeout)
			}
		})
	}
}

// A bad webhook setting stops clerk serve before it starts: exit 2, one
// line naming the flag or the variable it came from.
func TestServeRefusesBadWebhookSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	base := []string{"serve", "--addr", "127.0.0.1:0", "--database", db}
	const u = "http://localhost:3000/hooks"
	for _, tt := range []struct {
		args []string
		vars map[string]string
		says string
	}{
		{[]string{"--webhook-events", "user.created", "--webhook-url", u}, nil, "--webhook-events: give it after the --webhook-url"},
		{[]string{"--webhook-url", u, "--webhook-events", "user.created,user.create"}, nil, `--webhook-events: "user.create" is not an event type`},
		{[]string{"--webhook-url", u, "--webhook-events", "User.Created"}, nil, `"User.Created" is not an event type`},
		{[]string{"--webhook-url", u, "--webhook-events", "billing.*"}, nil, `"billing.*" is not an event type`},
		{[]string{"--webhook-url", u, "--webhook-events", "[user"}, nil, `"[user" is not an event type`},
		{[]string{"--webhook-url", u, "--webhook-events", " , "}, nil, "--webhook-events: want event types"},
		{[]string{"--webhook-url", u}, map[string]string{"CLERK_WEBHOOK_EVENTS": "user.created,nope"}, `CLERK_WEBHOOK_EVENTS: "nope" is not an event type`},
		{[]string{"--webhook-url", u, "--webhook-schedule", "fast"}, nil, `--webhook-schedule: want development, production, none or waits such as 1s,5s,30s, not "fast"`},
		{[]string{"--webhook-url", u, "--webhook-schedule", "5s,,30s"}, nil, "--webhook-schedule: want"},
		{[]string{"--webhook-url", u, "--webhook-schedule", "5s,-1s"}, nil, "--webhook-schedule: wait 2 of the schedule is negative (-1s)"},
		{[]string{"--webhook-url", u}, map[string]string{"CLERK_WEBHOOK_SCHEDULE": "5"}, `CLERK_WEBHOOK_SCHEDULE: want development`},
		{[]string{"--webhook-url", u, "--webhook-timeout", "0s"}, nil, `--webhook-timeout: want a duration such as 15s or 1m, not "0s"`},
		{[]string{"--webhook-url", u, "--webhook-timeout", "15"}, nil, `--webhook-timeout: want a duration`},
		{[]string{"--webhook-url", u}, map[string]string{"CLERK_WEBHOOK_TIMEOUT": "-1s"}, `CLERK_WEBHOOK_TIMEOUT: want a duration`},
		{[]string{"--webhook-url", u, "--webhook-url", u}, nil, "--webhook-url: http://localhost:3000/hooks given twice"},
		{nil, map[string]string{"CLERK_WEBHOOK_URL": u + "," + u}, "CLERK_WEBHOOK_URL: http://localhost:3000/hooks given twice"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			runWith(append(base, tt.args...), nil, tt.vars).check(t, exitUsage, nil, []string{tt.says}, nil)
		})
	}
}

// createSession creates a session of user through the API (POST
// /v1/sessions, of the later API versions).
func createSession(t *testing.T, apiURL, key, user string) {
	t.Helper()
	req, _ := http.NewRequest("POST", apiURL+"/v1/sessions", strings.NewReader(`{"user_id":"`+user+`"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Clerk-API-Version", "2026-05-12")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("create session: %d", resp.StatusCode)
	}
}

// types is the event types of the attempts.
func types(all []hookAttempt) []string {
	var out []string
	for _, a := range all {
		out = append(out, a.ev.Type)
	}
	return out
}

// Each URL gets the events its --webhook-events picks, the others none;
// a URL without it gets all.
func TestServeSendsEachURLTheEventsItPicks(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	users, sessions, all := newHookLog(t, secret, nil), newHookLog(t, secret, nil), newHookLog(t, secret, nil)
	s := startServe(t, nil, "--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"), "--webhook-secret", secret,
		"--webhook-url", users.url, "--webhook-events", "user.created,user.deleted",
		"--webhook-url", sessions.url, "--webhook-events", "session.*",
		"--webhook-url", all.url)
	defer s.stop(t)
	c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	ctx := context.Background()
	u, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"pick@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.UpdateMetadata(ctx, u.ID, &clerk.UsersUpdateMetadataParams{PublicMetadata: map[string]any{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	createSession(t, s.apiURL, s.secretKey, u.ID)
	if _, err := c.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	// Every event was saved before its change was answered; each URL's
	// are delivered in order, so its last one means it has them all.
	hasType := func(typ string) func([]hookAttempt) bool {
		return func(all []hookAttempt) bool { return slices.Contains(types(all), typ) }
	}
	all.waitUntil(t, 10*time.Second, "user.deleted not delivered", hasType(webhook.EventUserDeleted))
	users.waitUntil(t, 10*time.Second, "user.deleted not delivered", hasType(webhook.EventUserDeleted))
	sessions.waitUntil(t, 10*time.Second, "session.created not delivered", hasType(webhook.EventSessionCreated))
	time.Sleep(300 * time.Millisecond) // for anything that should not come
	if got := types(users.all()); !slices.Equal(got, []string{webhook.EventUserCreated, webhook.EventUserDeleted}) {
		t.Errorf("the user.created,user.deleted URL got %v", got)
	}
	got := types(sessions.all())
	if got[0] != webhook.EventSessionCreated {
		t.Errorf("the session.* URL got %v, want session.created first", got)
	}
	for _, typ := range got {
		if !strings.HasPrefix(typ, "session.") {
			t.Errorf("the session.* URL got %v", got)
		}
	}
	everything := types(all.all())
	want := []string{webhook.EventUserCreated, webhook.EventUserUpdated, webhook.EventSessionCreated, webhook.EventUserDeleted}
	if i := slices.Index(everything, webhook.EventUserDeleted); i < 0 || !slices.Equal(slices.DeleteFunc(slices.Clone(everything[:i+1]), func(t string) bool {
		return !slices.Contains(want, t)
	}), want) {
		t.Errorf("the URL without --webhook-events got %v, want %v among them, in order", everything, want)
	}
}

// The retries follow --webhook-schedule (here from CLERK_WEBHOOK_SCHEDULE):
// two failures and the third attempt, 2×100ms later, delivers, where the
// default schedule would wait 15s.
func TestServeRetriesOnTheScheduleGiven(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rec := newHookLog(t, secret, func(n int, _ string, _ *http.Request) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	s := startServe(t, map[string]string{"CLERK_WEBHOOK_SCHEDULE": "100ms,100ms", "CLERK_WEBHOOK_URL": rec.url, "CLERK_WEBHOOK_SIGNING_SECRET": secret},
		"--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"))
	defer s.stop(t)
	c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	start := time.Now()
	u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 4*time.Second, "not delivered on the schedule 100ms,100ms", func([]hookAttempt) bool { return len(rec.delivered()) == 1 })
	all := rec.all()
	if len(all) != 3 || all[0].id != all[2].id || createdUser(all[2].ev) != u.ID || all[1].at.Sub(all[0].at) < 100*time.Millisecond {
		t.Fatalf("attempts %v at %v, %v, %v after the create; want 3 of one user.created, 100ms apart", types(all),
			all[0].at.Sub(start), all[len(all)-1].at.Sub(start), len(all))
	}
}

// With --webhook-schedule none a failed delivery is given up at once: the
// next event of the URL is not held behind its retry.
func TestServeGivesUpAtOnceWithTheScheduleNone(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rec := newHookLog(t, secret, func(n int, _ string, _ *http.Request) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	s := startServe(t, nil, "--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"),
		"--webhook-url", rec.url, "--webhook-secret", secret, "--webhook-schedule", "none")
	defer s.stop(t)
	c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	first, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 4*time.Second, "no attempt", func(all []hookAttempt) bool { return len(all) == 1 })
	second, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	// With a retry (5s on the default schedule) the second would wait for it.
	rec.waitUntil(t, 3*time.Second, "the next event held back", func([]hookAttempt) bool { return len(rec.delivered()) == 1 })
	time.Sleep(300 * time.Millisecond)
	all := rec.all()
	if len(all) != 2 || createdUser(all[0].ev) != first.ID || createdUser(all[1].ev) != second.ID {
		t.Fatalf("attempts %v, want user.created of %s once (failed), then of %s", types(all), first.ID, second.ID)
	}
}

// --webhook-timeout cuts an attempt the app does not answer in time: the
// retry comes before the app would have answered the first.
func TestServeCutsAnAttemptAtTheTimeout(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rec := newHookLog(t, secret, func(n int, _ string, r *http.Request) int {
		if n == 1 {
			select {
			case <-r.Context().Done(): // the sender gave up
				return 0
			case <-time.After(5 * time.Second):
			}
		}
		return http.StatusNoContent
	})
	s := startServe(t, map[string]string{"CLERK_WEBHOOK_TIMEOUT": "300ms"}, "--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"),
		"--webhook-url", rec.url, "--webhook-secret", secret, "--webhook-schedule", "100ms")
	defer s.stop(t)
	c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	start := time.Now()
	if _, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{}); err != nil {
		t.Fatal(err)
	}
	rec.waitUntil(t, 4*time.Second, "not delivered", func([]hookAttempt) bool { return len(rec.delivered()) == 1 })
	all := rec.all()
	if took := time.Since(start); len(all) != 2 || all[0].status != 0 || all[0].id != all[1].id || took > 3*time.Second {
		t.Fatalf("%d attempts, the first answered %d, delivered after %v; want the first cut at 300ms, the second delivered", len(all), all[0].status, took)
	}
}
