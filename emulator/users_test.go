package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// UserJSON serves the stored bytes where User decodes and encodes: both
// must give the same JSON, for users whose metadata is full of what could
// fool a scan for the end of the user object.
func TestUserJSONEqualsTheEncodedUser(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s := newClientsTestService(t, &now)
	ctx := context.Background()
	tricky := map[string]any{
		"braces":  `}}]]{{[[`,
		"quotes":  `"\"},"secrets":{"password_digest":"x"}`,
		"escapes": "\\\\\"\\",
		"unicode": "Zoë \u2028 \U0001F600 \x01",
		"nested":  map[string]any{"secrets": map[string]any{"a": []any{"}", map[string]any{"{": "]"}}}},
		"empty":   map[string]any{},
		"list":    []any{},
	}
	pw := "correct horse battery"
	for _, p := range []*v2021.UsersCreateParams{
		{FirstName: ptr("Bare")},
		{EmailAddress: []string{"a@example.com", "b@example.com"}, PhoneNumber: []string{"+15551234567"},
			Username: ptr("tricky_user"), Password: &pw, PublicMetadata: tricky, PrivateMetadata: tricky,
			UnsafeMetadata: map[string]any{"secrets": tricky}},
	} {
		u, err := s.Users.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		typed, err := s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(typed)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Users.Get(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("UserJSON:\n%s\nwant the encoded User:\n%s", got, want)
		}
		if bytes.Contains(got, []byte(`"$2a$`)) { // a bcrypt digest
			t.Errorf("UserJSON leaks the password digest: %s", got)
		}
	}
	if _, err := s.Users.Get(ctx, "user_missing"); err == nil {
		t.Fatal("UserJSON of an unknown user: no error")
	} else if e, ok := AsError(err); !ok || e.Kind != KindNotFound {
		t.Fatalf("UserJSON of an unknown user: %v, want not found", err)
	}
}

// storedUser agrees with encoding/json on the documents userRecord writes,
// and declines every other layout rather than guess.
func TestStoredUserFindsTheUserObject(t *testing.T) {
	for _, doc := range []string{
		`{"user":{},"secrets":{}}`,
		`{"user":{"a":"}","b":["{",{"c":"\"}"}]},"secrets":{"password_digest":"}{"}}`,
		`{"user":{"a":"\\"},"secrets":{}}`,
		`{"user":{"a":"\\\"}\\"},"secrets":{}}`,
		`{"user":{"secrets":{"x":1}}}`,
	} {
		got, ok := storedUser([]byte(doc))
		var want struct {
			User json.RawMessage `json:"user"`
		}
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if !ok || !bytes.Equal(got, want.User) {
			t.Errorf("storedUser(%s) = %s, %v; want %s", doc, got, ok, want.User)
		}
	}
	for _, doc := range []string{
		``, `{}`, `{"secrets":{},"user":{}}`, `{ "user":{}}`, `{"user":null}`,
		`{"user":{"a":"}"`, `{"user":{}x`, `{"user":{}}trailing`, `{"user":{"a":"\"}}`,
	} {
		if got, ok := storedUser([]byte(doc)); ok {
			t.Errorf("storedUser(%s) = %s, want a refusal", doc, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// ListUsersJSON, like UserJSON, must equal the encoded typed answer.
func TestListUsersJSONEqualsTheEncodedList(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	s := newClientsTestService(t, &now)
	ctx := context.Background()
	for i, p := range []*v2021.UsersCreateParams{
		{FirstName: ptr("Ada"), EmailAddress: []string{"ada@example.com"}},
		{FirstName: ptr("Grace"), PublicMetadata: map[string]any{"x": `"}]`}},
		{Username: ptr("linus")},
	} {
		now = now.Add(time.Duration(i+1) * time.Second)
		if _, err := s.Users.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*v2021.UsersListParams{
		{}, {Limit: ptr(int64(2))}, {OrderBy: ptr("+created_at")}, {Query: ptr("grace")},
		{EmailAddress: []string{"nobody@example.com"}}, {OrganizationID: []string{"org_x"}},
	} {
		typed, err := s.ListUsers(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(typed)
		got, err := s.Users.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: ListUsersJSON\n%s\nwant\n%s", p, got, want)
		}
	}
	if _, err := s.Users.List(ctx, &v2021.UsersListParams{OrderBy: ptr("-password")}); err == nil {
		t.Error("ListUsersJSON ordered by password: no error")
	}
}

// A stored document in another layout (members reordered, spaces) still
// gives its user, through encoding/json; one without a user is an error.
func TestUserJSONReadsOtherLayouts(t *testing.T) {
	for doc, want := range map[string]string{
		`{"secrets":{"password_digest":"$2a$x"},"user":{"id":"user_1"}}`: `{"id":"user_1"}`,
		`{ "user" : {"id":"user_2"} }`:                                   `{"id":"user_2"}`,
		`{"user":null}`:                                                  "",
		`{"secrets":{}}`:                                                 "",
		`not json`:                                                       "",
	} {
		got, err := userJSON(&store.User{ID: "user_x", Doc: []byte(doc)})
		if want == "" {
			if err == nil {
				t.Errorf("%s: got %s, want an error", doc, got)
			}
			continue
		}
		if err != nil || string(got) != want {
			t.Errorf("%s: got %s, %v; want %s", doc, got, err, want)
		}
	}
}
