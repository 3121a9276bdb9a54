// Package catalogue searches the catalogue of member co-ops: local members
// and those that peer nodes publish, by free text (accent-insensitive,
// across summary languages) and by competence (CPV, including every code
// under a parent code), country, NUTS region and working language.
package catalogue
