package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Call is one AWS API operation seen by the front proxy and how often.
type Call struct {
	// Service is the SigV4 signing name (ecs, elasticloadbalancing, s3, ...).
	Service string
	// Operation is the API action (DescribeServices), or the HTTP method for
	// REST services such as S3.
	Operation string
	Count     int
}

type callLog struct {
	mu sync.Mutex
	n  map[[2]string]int
}

func newCallLog() *callLog { return &callLog{n: map[[2]string]int{}} }

func (l *callLog) add(r *http.Request, target string) {
	svc := signingService(r.Header.Get("Authorization"))
	if svc == "" {
		return // moto's own API, health checks
	}
	op := ""
	if target != "" {
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			op = target[i+1:]
		} else {
			op = target
		}
	} else if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		// Query-protocol services (EC2, ELBv2, IAM, STS, CloudWatch query)
		// name the action in the form body; read it and put it back.
		// Only the head is read (Action comes first); the request goes on
		// whole.
		head, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		v, _ := url.ParseQuery(string(head)) // a cut-off last pair is fine
		op = v.Get("Action")
	}
	if op == "" {
		op = r.Method
	}
	l.mu.Lock()
	l.n[[2]string{svc, op}]++
	l.mu.Unlock()
}

// signingRegion reads the region from a SigV4 Authorization header.
func signingRegion(auth string) string {
	parts := credentialScope(auth)
	if len(parts) < 5 {
		return ""
	}
	return parts[2]
}

func credentialScope(auth string) []string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return nil
	}
	cred, _, _ := strings.Cut(rest, ",")
	return strings.Split(cred, "/")
}

// signingService reads the service from a SigV4 Authorization header:
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecs/aws4_request, ...".
func signingService(auth string) string {
	parts := credentialScope(auth)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// Calls returns the AWS API calls the sandbox has served since it started
// (or since ResetCalls), sorted by service and operation. Benchmarks use it
// to count calls per resource.
func (s *Sandbox) Calls() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := make([]Call, 0, len(s.calls.n))
	for k, n := range s.calls.n {
		out = append(out, Call{Service: k[0], Operation: k[1], Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Operation < out[j].Operation
	})
	return out
}

// ResetCalls clears the call counts.
func (s *Sandbox) ResetCalls() {
	s.calls.mu.Lock()
	s.calls.n = map[[2]string]int{}
	s.calls.mu.Unlock()
}

type readCloser struct {
	io.Reader
	io.Closer
}
