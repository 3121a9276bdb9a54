// Package codes loads the EU code lists the node validates and labels
// with: CPV (competences), NUTS (regions) and countries. The lists are
// third-party data that an admin imports from the official eForms SDK
// files (Genericode .gc) or their CSV form; the repository holds none of
// them. Without a loaded list the node still checks a code's structure.
package codes
