package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
)

// startRegistry runs the distribution registry binary with a generated
// config and a filesystem root under Dir; without the binary it serves
// go-containerregistry's in-memory registry in this process.
func (s *Sandbox) startRegistry(ctx context.Context, o Options) error {
	bin := o.RegistryBinary
	if bin == "" {
		bin = "docker-registry"
	}
	if bin != "-" {
		if path, err := exec.LookPath(bin); err == nil {
			return s.startDistribution(ctx, o, path)
		}
	}
	return s.startInProcessRegistry(o)
}

func (s *Sandbox) startDistribution(ctx context.Context, o Options, bin string) error {
	port := o.RegistryPort
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	root := filepath.Join(s.Dir, "registry")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("failed to create the registry root: %w", err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
  secret: %s
`, root, addr, hex.EncodeToString(secret))
	cfgPath := filepath.Join(s.Dir, "registry.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("failed to write the registry config: %w", err)
	}
	p, err := s.spawn("registry", o.Log, bin, "serve", cfgPath)
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, p, o.StartTimeout, "http://"+addr+"/v2/"); err != nil {
		return err
	}
	s.RegistryHost, s.RegistryKind = addr, RegistryDistribution
	return nil
}

func (s *Sandbox) startInProcessRegistry(o Options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.RegistryPort))
	if err != nil {
		return fmt.Errorf("failed to listen for the in-process registry: %w", err)
	}
	h := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	s.RegistryHost, s.RegistryKind = ln.Addr().String(), RegistryInProcess
	return nil
}
