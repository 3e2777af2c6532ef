package emulator

import (
	"context"
	"testing"
)

// Two deletions of the Svix app at once: one deletes it, the other answers
// that there is none (as a deletion after it does), not the store's bare
// "not found", a 500.
func TestSvixAppDeletionsAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		if _, err := s.Webhooks.CreateSvixApp(ctx); err != nil {
			t.Fatal(err)
		}
		in.arm(kindSvixApp, func() error { return s.Webhooks.DeleteSvixApp(ctx) })
		errs := []error{s.Webhooks.DeleteSvixApp(ctx), in.result(t)}
		missing := 0
		for _, err := range errs {
			if err == nil {
				continue
			}
			if e, ok := AsError(err); !ok || e.Code != svixAppMissing().Code {
				t.Errorf("deletion: %v, want none or %v", err, svixAppMissing())
			}
			missing++
		}
		if missing != 1 {
			t.Errorf("deletions: %v; want one to succeed and one to find no app", errs)
		}
	})
}
