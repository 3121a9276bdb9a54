// Package sharedtest locates the public third-party test data that lives
// beside the repository in ../shared/testdata. The data is never copied
// into the repository; tests read it where it is. ETOILES_TESTDATA
// overrides the location.
package sharedtest
