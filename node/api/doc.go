// Package api serves the node's REST API under /api/v1 as JSON, with
// errors as RFC 9457 problem+json, plus /healthz, /readyz and /metrics.
// Every route is listed in one table (Routes) that the OpenAPI document in
// spec/openapi.yaml is checked against.
package api
