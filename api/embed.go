// Package api holds the Backend API contract the repository is built
// against: the OpenAPI specs of every published API version
// (bapi-<version>.yml), operations.tsv (the group and method names of the
// SDK's operations: the 249 of 2026-05-12 and the two of 2021-02-05 it
// keeps) and deprecations.tsv. internal/gen reads them to
// generate the SDK; the local server (package emulator) validates requests
// against the spec of the version each request names.
package api

import "embed"

// Specs holds the spec files, bapi-<version>.yml, one per API version.
//
//go:embed bapi-*.yml
var Specs embed.FS

// WebhookSpec is the spec of Clerk's webhook events (webhooks-2025-04-15.yml):
// internal/gen generates package webhook's typed events from it, and the
// clerk command's `webhooks trigger` sends its examples.
//
//go:embed webhooks-2025-04-15.yml
var WebhookSpec []byte
