package e2e

import (
	"os/exec"
	"syscall"
)

// isolate runs act in its own process group, killed as a whole on timeout
// and when the test binary dies, so no step outlives the test.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
