package registry

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Counter is an http.RoundTripper that counts registry requests and the
// bytes they carry, to prove what a push or promotion moved.
type Counter struct {
	Next http.RoundTripper

	mu    sync.Mutex
	stats Stats
}

// Stats are counts since the last Reset.
type Stats struct {
	// Requests by method.
	Requests map[string]int
	// BlobUploads is the number of blob upload bodies sent (PATCH, or a
	// monolithic PUT with a body).
	BlobUploads int
	// BlobMounts is the number of cross-repository mounts requested.
	BlobMounts int
	// ManifestPuts is the number of manifests written (tags included).
	ManifestPuts int
	// BytesUp is the request body bytes sent for blobs; ManifestBytesUp
	// for manifests.
	BytesUp         int64
	ManifestBytesUp int64
	// BytesDown is the response body bytes received.
	BytesDown int64
}

// Total is the number of requests.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// NewCounter wraps next (nil is http.DefaultTransport).
func NewCounter(next http.RoundTripper) *Counter {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Counter{Next: next, stats: Stats{Requests: map[string]int{}}}
}

// Stats returns a copy of the counts.
func (c *Counter) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Requests = map[string]int{}
	for k, v := range c.stats.Requests {
		s.Requests[k] = v
	}
	return s
}

// Reset zeroes the counts.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats = Stats{Requests: map[string]int{}}
}

// RoundTrip implements http.RoundTripper.
func (c *Counter) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	isManifest := strings.Contains(path, "/manifests/")
	isUpload := strings.Contains(path, "/blobs/uploads/")
	c.mu.Lock()
	c.stats.Requests[req.Method]++
	switch {
	case req.Method == http.MethodPut && isManifest:
		c.stats.ManifestPuts++
	case req.Method == http.MethodPost && isUpload && req.URL.Query().Get("mount") != "" && req.URL.Query().Get("from") != "":
		c.stats.BlobMounts++
	}
	c.mu.Unlock()

	counted := &countingBody{}
	if req.Body != nil && req.Body != http.NoBody && (isUpload || isManifest) {
		counted.ReadCloser = req.Body
		r2 := req.Clone(req.Context())
		r2.Body = counted
		req = r2
	}
	resp, err := c.Next.RoundTrip(req)
	c.mu.Lock()
	if n := counted.n.Load(); n > 0 {
		if isManifest {
			c.stats.ManifestBytesUp += n
		} else {
			c.stats.BytesUp += n
			c.stats.BlobUploads++
		}
	}
	c.mu.Unlock()
	if resp != nil && resp.Body != nil {
		resp.Body = &downBody{ReadCloser: resp.Body, c: c}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

type downBody struct {
	io.ReadCloser
	c *Counter
}

func (b *downBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.stats.BytesDown += int64(n)
	b.c.mu.Unlock()
	return n, err
}
