// Package github is ecsflow's one client for the GitHub REST API: the pull
// request comment of validate, the drift issue of drift-check and the
// escalation issue of rollback all go through it. Every request carries
// the token as a bearer token and the pinned API version, is bounded by a
// timeout, and every refusal comes back as one *Error that says which
// permission the job is missing.
//
// https://docs.github.com/en/rest/issues
package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	// DefaultBaseURL is the API root when neither an option nor
	// GITHUB_API_URL names another (GitHub Enterprise Server, a stand-in).
	DefaultBaseURL = "https://api.github.com"
	// DefaultTimeout bounds one request, reading the answer included.
	DefaultTimeout = 30 * time.Second
	// apiVersion is the REST API version every request asks for.
	apiVersion = "2022-11-28"
	// maxAnswerBytes caps how much of an answer is read.
	maxAnswerBytes = 1 << 20
	// maxMessageBytes caps how much of a refusal goes into an error.
	maxMessageBytes = 200
)

// Doer sends an HTTP request; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client calls the GitHub REST API with one token.
type Client struct {
	base       string
	token      string
	http       Doer
	timeout    time.Duration
	permission string
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API root (GITHUB_API_URL); empty keeps
// DefaultBaseURL.
func WithBaseURL(u string) Option {
	return func(c *Client) {
		if u != "" {
			c.base = strings.TrimRight(u, "/")
		}
	}
}

// WithHTTPClient sets what sends the requests, such as an *http.Client
// or httptest.Server.Client(); nil keeps a plain *http.Client. The
// client's own timeout, if any, applies as well.
func WithHTTPClient(d Doer) Option {
	return func(c *Client) {
		if hc, ok := d.(*http.Client); d == nil || (ok && hc == nil) {
			return
		}
		c.http = d
	}
}

// WithTimeout bounds each request; zero or less keeps DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithPermission names the job permission the caller's requests need, such
// as "issues: write"; a refusal's error then says to grant it.
func WithPermission(p string) Option {
	return func(c *Client) { c.permission = p }
}

// New returns a client that authenticates with token.
func New(token string, opts ...Option) *Client {
	c := &Client{base: DefaultBaseURL, token: token, http: &http.Client{}, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is a request GitHub refused or that did not complete.
type Error struct {
	// Method and Path name the request (the path without its query).
	Method, Path string
	// Status is GitHub's HTTP status; 0 when no answer came.
	Status int
	// Message is GitHub's message (or the start of its answer), or what
	// went wrong on the way.
	Message string
	// Hint says what to do, such as which permission to grant.
	Hint string
	// Err is the underlying error when no answer came or it did not decode.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GitHub %s %s", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, " answered %d", e.Status)
	} else {
		b.WriteString(" failed")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Do sends method to path (below the API root, query included) with in
// encoded as the JSON body when not nil, and decodes a JSON answer into out
// when not nil. Any status but 2xx is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	shortPath, _, _ := strings.Cut(path, "?")
	fail := func(status int, msg string, err error) error {
		return &Error{Method: method, Path: shortPath, Status: status, Message: msg, Hint: c.hint(status), Err: err}
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fail(0, "cannot encode the request", err)
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fail(0, "cannot build the request", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(0, fmt.Sprintf("no answer within %s", c.timeout), err)
		}
		return fail(0, err.Error(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fail(resp.StatusCode, "cannot read the answer", err)
	}
	if resp.StatusCode/100 != 2 {
		return fail(resp.StatusCode, refusal(data), nil)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fail(resp.StatusCode, "unexpected answer", err)
		}
	}
	return nil
}

// refusal is GitHub's message from an error answer, or the start of the
// answer when it is not GitHub's JSON.
func refusal(data []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &m) == nil && m.Message != "" {
		msg = m.Message
	}
	if len(msg) > maxMessageBytes {
		msg = msg[:maxMessageBytes] + "…"
	}
	return msg
}

// hint says what to do about a refusal with status.
func (c *Client) hint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "the token is missing, expired or wrong — pass github-token (secrets.GITHUB_TOKEN)"
	case http.StatusForbidden, http.StatusNotFound:
		if c.permission == "" {
			return "the token may lack access to the repository"
		}
		return "the token lacks " + c.permission + " — add `permissions: " + c.permission + "` to the job"
	}
	return ""
}
