// Command gen writes the benchmark tree:
//
//	go run ./internal/testenv/benchtree/gen DIR [MODULES]
//	go run ./internal/testenv/benchtree/gen -flat DIR RESOURCES
//
// The second form writes one main.tf with RESOURCES resources.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ecsflow/ecsflow/internal/testenv/benchtree"
)

func main() {
	args := os.Args[1:]
	flat := len(args) > 0 && args[0] == "-flat"
	if flat {
		args = args[1:]
	}
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR [MODULES] | gen -flat DIR RESOURCES")
		os.Exit(2)
	}
	n := 300
	if len(args) > 1 {
		v, err := strconv.Atoi(args[1])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "error: MODULES or RESOURCES must be a positive number")
			os.Exit(2)
		}
		n = v
	}
	write := benchtree.Write
	if flat {
		write = benchtree.WriteFlat
	}
	st, err := write(args[0], n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Printf("modules=%d files=%d resources=%d bytes=%d\n", st.Modules, st.Files, st.Resources, st.Bytes)
}
