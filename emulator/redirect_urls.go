package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Redirect URLs: the URLs (https, http or a native app's custom scheme)
// the instance may redirect to after OAuth. A redirect URL is an object of
// kindRedirectURL, unique by its URL as given, its document the SDK's
// model (the same in every API version).

const kindRedirectURL = "redirect_url"

// prohibitedSchemes are the schemes no redirect URL may have.
var prohibitedSchemes = map[string]bool{"javascript": true, "data": true, "vbscript": true, "file": true, "blob": true}

// checkRedirectURL refuses what is not an absolute URL with a scheme
// that may be redirected to and something after it.
func checkRedirectURL(param, raw string) error {
	if raw == "" {
		return missing(param)
	}
	if len(raw) > store.MaxKeyBytes { // a redirect URL is a unique key
		return &Error{Kind: KindInvalid, Code: "form_param_max_length_exceeded", Param: param, Message: "exceeds maximum length",
			LongMessage: fmt.Sprintf("%s should not exceed %d bytes.", param, store.MaxKeyBytes)}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || prohibitedSchemes[strings.ToLower(u.Scheme)] ||
		strings.ContainsAny(raw, " \t\r\n") || (u.Host == "" && strings.Trim(u.Opaque+u.Path, "/") == "") {
		return invalid(param, param+" must be a valid URL with a scheme, such as https://example.com/callback or my-app://callback.")
	}
	if (u.Scheme == "https" || u.Scheme == "http") && u.Host == "" {
		return invalid(param, param+" must be a valid URL with a scheme, such as https://example.com/callback or my-app://callback.")
	}
	return nil
}

// Create adds a redirect URL; the same URL twice is refused.
func (s *RedirectURLs) Create(ctx context.Context, p *v2021.RedirectURLsCreateParams) (*v2021.RedirectURL, error) {
	if p == nil || p.URL == nil || *p.URL == "" {
		return nil, missing("url")
	}
	if err := checkRedirectURL("url", *p.URL); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	r := &v2021.RedirectURL{Object: "redirect_url", ID: s.rand.id("ru"), URL: *p.URL, CreatedAt: now, UpdatedAt: now}
	err := putObject(ctx, s.store, store.Object{Kind: kindRedirectURL, ID: r.ID, Unique: r.URL, CreatedAt: now, UpdatedAt: now}, r, true)
	if isConflict(err) {
		return nil, identifierExists("url")
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns a redirect URL.
func (s *RedirectURLs) Get(ctx context.Context, id string) (*v2021.RedirectURL, error) {
	var r v2021.RedirectURL
	if err := readObject(ctx, s.store, kindRedirectURL, id, "Redirect url", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Delete removes a redirect URL.
func (s *RedirectURLs) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	if err := deleteObject(ctx, s.store, kindRedirectURL, id, "Redirect url"); err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "redirect_url", ID: id, Deleted: true}, nil
}

// List lists the redirect URLs, oldest first; limit and offset (later API
// versions) page them.
func (s *RedirectURLs) List(ctx context.Context, later *RedirectURLsListLater) (*v2021.RedirectURLList, error) {
	q := store.ObjectQuery{Kind: kindRedirectURL, Ascending: true}
	total, err := s.store.CountObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	if later != nil && (later.Limit != nil || later.Offset != nil) {
		if q.Limit, q.Offset, err = paging(later.Limit, later.Offset); err != nil {
			return nil, err
		}
	}
	rows, err := s.store.ListObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	out, err := decodeObjects[v2021.RedirectURL](rows)
	if err != nil {
		return nil, err
	}
	return &v2021.RedirectURLList{Data: out, TotalCount: total}, nil
}

// deleteObject deletes an object of a kind; a missing one is Clerk's
// not-found error naming what.
func deleteObject(ctx context.Context, st store.Store, kind, id, what string) error {
	err := st.DeleteObject(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(what)
	}
	return err
}
