package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
)

// TestTwoServersOnOnePostgreSQLKeepTheLimits runs two `clerk serve`
// processes on one PostgreSQL database, the way a team shares one local
// Backend API: 50 concurrent membership creates spread over both, into an
// organization of at most 10 members, give exactly 10 members (the creator
// counts); 20 concurrent creates of organizations with one slug give one.
func TestTwoServersOnOnePostgreSQLKeepTheLimits(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	_, urlA, key := startProcess(t, dsn)
	_, urlB, keyB := startProcess(t, dsn) // after A made the instance: both serve it
	if keyB != key {
		t.Fatalf("the two servers have different instances (keys differ)")
	}
	ctx := context.Background()
	clients := clientsOf(t, key, urlA, urlB)
	users := make([]*clerk.User, 51)
	for i := range users {
		u, err := clients[i%2].Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{fmt.Sprintf("u%d@example.com", i)}})
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u
	}
	org, err := clients[0].Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Small", CreatedBy: &users[50].ID,
		MaxAllowedMemberships: clerk.Ptr[int64](10)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	added, refused := 0, 0
	for i, u := range users[:50] {
		wg.Go(func() {
			_, err := clients[i%2].OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: u.ID, Role: "org:member"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				added++
			case clerk.HasErrorCode(err, "organization_membership_quota_exceeded"):
				refused++
			default:
				t.Errorf("membership of %s: %v", u.ID, err)
			}
		})
	}
	wg.Wait()
	got, err := clients[1].Organizations.Get(ctx, org.ID, &clerk.OrganizationsGetParams{IncludeMembersCount: clerk.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if added != 9 || refused != 41 || got.MembersCount != 10 {
		t.Fatalf("%d added, %d refused, members_count %v; want 9, 41, 10", added, refused, got.MembersCount)
	}

	created := 0
	for i := range 20 {
		wg.Go(func() {
			_, err := clients[i%2].Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Race", Slug: clerk.Ptr("race")})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				created++
			} else if !clerk.HasErrorCode(err, "form_identifier_exists") {
				t.Errorf("create: %v", err)
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d organizations created with one slug over two servers, want 1", created)
	}
}

// clientsOf returns a client of each server URL, with key, no retries and a
// 30 s timeout.
func clientsOf(t *testing.T, key string, urls ...string) []*clerk.Client {
	t.Helper()
	clients := make([]*clerk.Client, len(urls))
	for i, u := range urls {
		c, err := clerk.NewClient(key, clerk.WithServerURL(u+"/v1"), clerk.WithoutRetries(), clerk.WithTimeout(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	return clients
}
