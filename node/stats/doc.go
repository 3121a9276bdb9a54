// Package stats computes a national node's own figures (members by status,
// joins and leaves per month, churn, members by CPV division and NUTS-1
// region) with k-anonymity suppression, and aggregates the reports that
// national nodes send to the confederation into the network view.
package stats
