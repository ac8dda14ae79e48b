//go:build unix && !linux

package sandbox

import (
	"os/exec"
	"syscall"
)

// isolate puts the child in its own process group so Stop can signal
// everything it spawned. Outside Linux there is no parent-death signal;
// Stop (and sandboxtest's TestMain hook) are the only cleanup.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
