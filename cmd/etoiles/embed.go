package main

// The container image is FROM scratch: it has no /etc/ssl certificates and
// no /usr/share/zoneinfo. These imports embed both in the binary. The CA
// roots are used only when the system has none, and the time zone
// database only when the system's cannot be found.
import (
	_ "time/tzdata"

	_ "golang.org/x/crypto/x509roots/fallback"
)
