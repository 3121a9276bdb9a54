// Package feedimport imports a SPIP site's RSS or Atom syndication as
// news items: each entry keeps its original link, entries are
// deduplicated by GUID (a re-import adds only new entries), and HTML is
// sanitised like any other content. Enclosed images are not imported:
// feeds carry no alt text, which news images require.
package feedimport
