// Command cmd writes portspec's manual pages into a directory, one
// NAME.1 file a page: make man runs it, into out/man.
//
//	go run ./internal/manpage/cmd -out out/man [-version v0.4.0] [-date 2027-01-31]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/portspec/portspec/internal/manpage"
)

func main() {
	out := flag.String("out", "out/man", "the `directory` to write the pages to")
	var stamp manpage.Stamp
	flag.StringVar(&stamp.Version, "version", "", "the `version` the pages' headers name")
	flag.StringVar(&stamp.Date, "date", "", "the `date` the pages' headers give, YYYY-MM-DD")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "manpage: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	paths, err := manpage.Write(*out, stamp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "manpage: %v\n", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
