// Command etoiles runs a national group's node of the e-toiles network
// (serve), and the admin's tools that work beside it on the same data
// directory: token, vocab import, healthcheck. It is the composition root:
// it reads flags and ETOILES_* variables into a Config and wires the
// store, bus, services and HTTP handlers. Nothing imports it.
package main
