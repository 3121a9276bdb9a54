//go:build ignore

// gen compresses the CSV code lists into this folder. Run it with
// `go generate ./node/codes/embedded/`; -src (or $ETOILES_TESTDATA)
// names the folder of cpv.csv, nuts.csv and country.csv.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	def := "../../../../shared/testdata/eforms/codelists"
	if d := os.Getenv("ETOILES_TESTDATA"); d != "" {
		def = filepath.Join(d, "eforms", "codelists")
	}
	src := flag.String("src", def, "folder with cpv.csv, nuts.csv and country.csv")
	flag.Parse()
	for _, name := range []string{"cpv.csv", "nuts.csv", "country.csv"} {
		in, err := os.ReadFile(filepath.Join(*src, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		var out bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		zw.Name = name // no modification time: the output is reproducible
		if _, err := zw.Write(in); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		if err := zw.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(name+".gz", out.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
