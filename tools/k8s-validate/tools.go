//go:build tools

// Pins the helm command's version in this module's go.mod, so that
// scripts/helm-check.sh builds it with `go build helm.sh/helm/v3/cmd/helm`.
package main

import _ "helm.sh/helm/v3/cmd/helm"
