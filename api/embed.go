// Package api holds the Backend API contract the repository is built
// against: the OpenAPI specs of every published API version
// (bapi-<version>.yml), operations.tsv (the group and method names of the
// 2021-02-05 operations) and deprecations.tsv. internal/gen reads them to
// generate the SDK; the local server (package emulator) validates requests
// against the spec of the version each request names.
package api

import "embed"

// Specs holds the spec files, bapi-<version>.yml, one per API version.
//
//go:embed bapi-*.yml
var Specs embed.FS
