package sandbox

import (
	"os/exec"
	"syscall"
)

// isolate puts the child in its own process group (so Stop can signal
// everything it spawned) and asks the kernel to kill it when the thread that
// started it dies: a test binary that crashes or is killed by a timeout
// does not leave moto or the registry behind.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process == nil {
		return
	}
	// A negative pid addresses the whole process group.
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
