package clerk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/clerkgo/clerk"
)

// listServer serves n organizations ({data, total_count}) or n users (a
// bare array) with limit and offset, counting requests.
type listServer struct {
	n        int
	requests atomic.Int32
	failAt   int // offset at which to answer 500; 0 = never
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if s.failAt > 0 && offset >= s.failAt {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	end := min(offset+limit, s.n)
	start := min(offset, s.n)
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/organizations":
		var page clerk.Organizations
		for i := start; i < end; i++ {
			page.Data = append(page.Data, &clerk.Organization{ID: fmt.Sprintf("org_%d", i)})
		}
		page.TotalCount = int64(s.n)
		json.NewEncoder(w).Encode(page)
	case "/v1/users":
		page := []clerk.User{}
		for i := start; i < end; i++ {
			page = append(page, clerk.User{ID: fmt.Sprintf("user_%d", i)})
		}
		json.NewEncoder(w).Encode(page)
	case "/v1/domains":
		if q.Get("limit") != "" || q.Get("offset") != "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(clerk.Domains{TotalCount: 2, Data: []*clerk.Domain{{ID: "dmn_1"}, {ID: "dmn_2"}}})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func newListClient(t *testing.T, s *listServer) *clerk.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := clerk.NewClient("sk_test_list", clerk.WithServerURL(srv.URL+"/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIterators(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		n            int
		limit        int64
		run          func(c *clerk.Client, limit int64) ([]string, error)
		wantItems    int
		wantRequests int32
	}{
		{"wrapped list stops at the total count", 5, 2, iterOrgs, 5, 3},
		{"wrapped list that fills its last page makes no extra request", 4, 2, iterOrgs, 4, 2},
		{"bare list stops at a short page", 5, 2, iterUsers, 5, 3},
		{"bare list that fills its last page ends on an empty one", 4, 2, iterUsers, 4, 3},
		{"empty list makes one request", 0, 10, iterUsers, 0, 1},
		{"default page size is 100", 150, 0, iterOrgs, 150, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &listServer{n: tt.n}
			c := newListClient(t, s)
			ids, err := tt.run(c, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != tt.wantItems {
				t.Errorf("got %d items, want %d", len(ids), tt.wantItems)
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Errorf("item %s yielded twice", id)
				}
				seen[id] = true
			}
			if got := s.requests.Load(); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
		})
	}

	t.Run("params are not modified", func(t *testing.T) {
		c := newListClient(t, &listServer{n: 5})
		params := &clerk.OrganizationsListParams{Limit: clerk.Ptr[int64](2), Query: clerk.Ptr("acme")}
		for _, err := range c.Organizations.ListIter(ctx, params) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if *params.Limit != 2 || params.Offset != nil || *params.Query != "acme" {
			t.Errorf("params changed: limit %d offset %v", *params.Limit, params.Offset)
		}
	})

	t.Run("starts at the caller's offset", func(t *testing.T) {
		c := newListClient(t, &listServer{n: 5})
		var ids []string
		for o, err := range c.Organizations.ListIter(ctx, &clerk.OrganizationsListParams{Offset: clerk.Ptr[int64](3)}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		if fmt.Sprint(ids) != "[org_3 org_4]" {
			t.Errorf("got %v", ids)
		}
	})

	t.Run("breaking early stops fetching", func(t *testing.T) {
		s := &listServer{n: 50}
		c := newListClient(t, s)
		for range c.Organizations.ListIter(ctx, &clerk.OrganizationsListParams{Limit: clerk.Ptr[int64](5)}) {
			break
		}
		if got := s.requests.Load(); got != 1 {
			t.Errorf("%d requests after break, want 1", got)
		}
	})

	t.Run("an error is yielded once and ends the iteration", func(t *testing.T) {
		s := &listServer{n: 10, failAt: 4}
		c := newListClient(t, s)
		var items, errs int
		for _, err := range c.Organizations.ListIter(ctx, &clerk.OrganizationsListParams{Limit: clerk.Ptr[int64](2)}) {
			if err != nil {
				errs++
				var apiErr *clerk.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
					t.Errorf("want the 500 as *APIError, got %v", err)
				}
				continue
			}
			items++
		}
		if items != 4 || errs != 1 {
			t.Errorf("got %d items and %d errors, want 4 and 1", items, errs)
		}
	})

	t.Run("a cancelled context ends the iteration with its error", func(t *testing.T) {
		c := newListClient(t, &listServer{n: 10})
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var errs int
		for _, err := range c.Organizations.ListIter(cctx, &clerk.OrganizationsListParams{Limit: clerk.Ptr[int64](2)}) {
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v", err)
				}
				errs++
				continue
			}
			cancel()
		}
		if errs != 1 {
			t.Errorf("got %d errors, want 1", errs)
		}
	})

	t.Run("a list without limit and offset makes one request", func(t *testing.T) {
		s := &listServer{}
		c := newListClient(t, s)
		var ids []string
		for d, err := range c.Domains.ListIter(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		if fmt.Sprint(ids) != "[dmn_1 dmn_2]" || s.requests.Load() != 1 {
			t.Errorf("got %v in %d requests", ids, s.requests.Load())
		}
	})
}

func iterOrgs(c *clerk.Client, limit int64) ([]string, error) {
	p := &clerk.OrganizationsListParams{}
	if limit > 0 {
		p.Limit = &limit
	}
	var ids []string
	for o, err := range c.Organizations.ListIter(context.Background(), p) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func iterUsers(c *clerk.Client, limit int64) ([]string, error) {
	var ids []string
	for u, err := range c.Users.ListIter(context.Background(), &clerk.UsersListParams{Limit: &limit}) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}
