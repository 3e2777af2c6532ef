package emulator

import (
	"context"
	"errors"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// The Svix app of the instance: at most one, an object of kindSvixApp
// with a fixed unique key. Clerk's dashboard for webhooks lives at Svix;
// the emulator answers its URL as Clerk does but hosts no such dashboard
// (delivering events is the webhooks feature's, configured on clerk serve).

const kindSvixApp = "svix_app"

// svixAppRecord is what the emulator keeps of the Svix app.
type svixAppRecord struct {
	ID        string `json:"id"`
	CreatedAt int64  `json:"created_at"`
}

// svixAppKey is the unique key of the one Svix app.
const svixAppKey = "instance"

func svixObject(a *svixAppRecord) store.Object {
	return store.Object{Kind: kindSvixApp, ID: a.ID, Unique: svixAppKey, CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
}

func svixAppExists() *Error {
	return &Error{Kind: KindBadRequest, Code: "svix_app_exists", Message: "Only one Svix app is allowed per instance.",
		LongMessage: "Only one Svix app is allowed per instance."}
}

func svixAppMissing() *Error {
	return &Error{Kind: KindBadRequest, Code: "svix_app_missing", Message: "No Svix apps are associated with the current instance.",
		LongMessage: "No Svix apps are associated with the current instance."}
}

// svixURL is the dashboard URL of an app, with a one-time key as Svix's
// are.
func (s *core) svixURL(a *svixAppRecord) *v2021.SvixURL {
	return &v2021.SvixURL{SvixURL: "https://app.svix.com/login#key=" + s.rand.base62(40) + "&app=" + a.ID}
}

// CreateSvixApp creates the instance's Svix app; a second is refused.
func (s *Webhooks) CreateSvixApp(ctx context.Context) (*v2021.SvixURL, error) {
	a := &svixAppRecord{ID: "app_" + s.rand.base62(27), CreatedAt: s.now().UnixMilli()}
	if err := putObject(ctx, s.store, svixObject(a), a, true); isConflict(err) {
		return nil, svixAppExists()
	} else if err != nil {
		return nil, err
	}
	return s.svixURL(a), nil
}

// svixApp reads the instance's Svix app.
func (s *core) svixApp(ctx context.Context) (*svixAppRecord, error) {
	o, err := s.store.ObjectByUnique(ctx, kindSvixApp, svixAppKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, svixAppMissing()
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeObject[svixAppRecord](o)
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// GenerateSvixAuthURL answers a new dashboard URL of the Svix app.
func (s *Webhooks) GenerateSvixAuthURL(ctx context.Context) (*v2021.SvixURL, error) {
	a, err := s.svixApp(ctx)
	if err != nil {
		return nil, err
	}
	return s.svixURL(a), nil
}

// DeleteSvixApp deletes the instance's Svix app. Of two deletions at
// once, the one that finds it gone answers as when there is none.
func (s *Webhooks) DeleteSvixApp(ctx context.Context) error {
	a, err := s.svixApp(ctx)
	if err != nil {
		return err
	}
	err = s.store.DeleteObject(ctx, kindSvixApp, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return svixAppMissing()
	}
	return err
}
