package e2e_test

import (
	"os"
	"testing"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
