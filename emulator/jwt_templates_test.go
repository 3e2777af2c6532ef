package emulator

import (
	"context"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// Two updates of a template, each of its own fields, both take: an update
// read the template outside its write, so another landing in between was
// undone by the first's write of what it had read.
func TestJWTTemplateUpdatesDoNotUndoEachOther(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		tmpl, err := s.JWTTemplates.Create(ctx, &v2021.JWTTemplatesCreateParams{Name: v2021.Ptr("api"), Claims: map[string]any{"a": 1}})
		if err != nil {
			t.Fatal(err)
		}
		in.arm(kindJWTTemplate, func() error {
			_, err := s.JWTTemplates.Update(ctx, tmpl.ID, &v2021.JWTTemplatesUpdateParams{Name: v2021.Ptr("api-2")})
			return err
		})
		if _, err := s.JWTTemplates.Update(ctx, tmpl.ID, &v2021.JWTTemplatesUpdateParams{Claims: map[string]any{"b": 2}}); err != nil {
			t.Fatal(err)
		}
		if err := in.result(t); err != nil {
			t.Fatalf("the other update: %v", err)
		}
		got, err := s.JWTTemplates.Get(ctx, tmpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "api-2" || len(got.Claims) != 1 || got.Claims["b"] == nil {
			t.Errorf("after both updates: name %q, claims %v; want api-2 and {b: 2}", got.Name, got.Claims)
		}
	})
}
