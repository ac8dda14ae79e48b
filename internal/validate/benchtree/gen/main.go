// Command gen writes the benchmark tree: go run ./internal/validate/benchtree/gen DIR [MODULES]
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ecsflow/ecsflow/internal/validate/benchtree"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR [MODULES]")
		os.Exit(2)
	}
	n := 300
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "error: MODULES must be a positive number")
			os.Exit(2)
		}
		n = v
	}
	st, err := benchtree.Write(os.Args[1], n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Printf("modules=%d files=%d resources=%d bytes=%d\n", st.Modules, st.Files, st.Resources, st.Bytes)
}
