// Package clerk is a Go client for the Clerk Backend API, version
// 2021-02-05: every one of its operations, typed, grouped into services on
// one Client as in Clerk's other SDKs.
//
//	client, err := clerk.NewClient(os.Getenv("CLERK_SECRET_KEY"))
//	if err != nil {
//		return err
//	}
//	email, err := client.EmailAddresses.Get(ctx, "idn_123")
//
// Every method takes a context first, path parameters as strings, and a
// params struct (nil allowed) when the operation has query or body
// parameters. Optional fields are pointers: set them with Ptr. The nullable
// fields of PATCH bodies are Nullable, so that an explicit JSON null can be
// sent (Null) as well as a value (NullableOf).
//
// A call returns (*T, nil) on success and (nil, err) on failure; every
// answer outside 2xx is an *APIError, reachable with errors.As, and helpers
// such as IsNotFound read it. Metadata (public, private and unsafe) is
// map[string]any everywhere; a nil value in a metadata update removes the
// key.
//
// The models, params and services are generated from api/ by internal/gen
// (files *_gen.go); run `go generate ./...` after changing the spec.
package clerk

//go:generate go run ./internal/gen -spec api/bapi-2026-05-12.yml -server-spec api/bapi-2021-02-05.yml -ops api/operations.tsv -later api/bapi-2026-05-12.yml -deprecations api/deprecations.tsv -out . -readme README.md -server emulator -server-models internal/v2021 -webhooks api/webhooks-2025-04-15.yml -webhook webhook
