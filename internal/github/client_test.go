package github

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRequestCarriesTokenVersionAndJSON(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = w.Write([]byte(`{"number": 3}`))
	}))
	defer srv.Close()
	c := New("s3cret", WithBaseURL(srv.URL+"/"), WithHTTPClient(srv.Client()))
	var out Issue
	require.NoError(t, c.Do(context.Background(), http.MethodPost, "/repos/o/r/issues", map[string]string{"title": "t"}, &out))
	require.Equal(t, 3, out.Number)
	require.Equal(t, "/repos/o/r/issues", got.URL.Path)
	require.Equal(t, "Bearer s3cret", got.Header.Get("Authorization"))
	require.Equal(t, "application/vnd.github+json", got.Header.Get("Accept"))
	require.Equal(t, apiVersion, got.Header.Get("X-GitHub-Api-Version"))
	require.Equal(t, "application/json", got.Header.Get("Content-Type"))
	require.JSONEq(t, `{"title":"t"}`, body)
}

func TestRefusalSaysWhatToGrant(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	cases := []struct {
		name       string
		status     int
		answer     string
		permission string
		want       string
	}{
		{"forbidden names the permission", 403, `{"message":"Resource not accessible by integration"}`, "issues: write",
			"GitHub POST /repos/o/r/issues answered 403: Resource not accessible by integration; the token lacks issues: write — add `permissions: issues: write` to the job"},
		{"not found names the permission", 404, `{"message":"Not Found"}`, "pull-requests: write",
			"GitHub POST /repos/o/r/issues answered 404: Not Found; the token lacks pull-requests: write — add `permissions: pull-requests: write` to the job"},
		{"unauthorized asks for a token", 401, `{"message":"Bad credentials"}`, "issues: write",
			"GitHub POST /repos/o/r/issues answered 401: Bad credentials; the token is missing, expired or wrong — pass github-token (secrets.GITHUB_TOKEN)"},
		{"forbidden without a declared permission", 403, `{"message":"Forbidden"}`, "",
			"GitHub POST /repos/o/r/issues answered 403: Forbidden; the token may lack access to the repository"},
		{"server error is capped and has no hint", 502, long, "issues: write",
			"GitHub POST /repos/o/r/issues answered 502: " + long[:maxMessageBytes] + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.answer))
			}))
			defer srv.Close()
			c := New("t", WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithPermission(tc.permission))
			err := c.Do(context.Background(), http.MethodPost, "/repos/o/r/issues?labels=x", map[string]string{}, nil)
			var gerr *Error
			require.ErrorAs(t, err, &gerr)
			require.Equal(t, tc.status, gerr.Status)
			require.Equal(t, tc.want, err.Error())
			require.NotContains(t, err.Error(), "labels=x", "the query stays out of the message")
		})
	}
}

func TestUnexpectedAnswerIsAnError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<html>proxy login</html>`))
	}))
	defer srv.Close()
	var out []Issue
	err := New("t", WithBaseURL(srv.URL), WithHTTPClient(srv.Client())).Do(context.Background(), http.MethodGet, "/repos/o/r/issues", nil, &out)
	require.EqualError(t, err, "GitHub GET /repos/o/r/issues answered 200: unexpected answer")
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	require.Error(t, gerr.Err)
}

// TestEveryRequestIsBounded: a server that never answers costs at most the
// timeout, whatever the injected client does.
func TestEveryRequestIsBounded(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New("t", WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTimeout(20*time.Millisecond))
	err := c.Do(context.Background(), http.MethodGet, "/repos/o/r/issues", nil, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.EqualError(t, err, "GitHub GET /repos/o/r/issues failed: no answer within 20ms")
}

func TestTransportFailureNamesTheRequestNotTheToken(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	c := New("s3cret", WithHTTPClient(doerFunc(func(*http.Request) (*http.Response, error) { return nil, boom })))
	err := c.Do(context.Background(), http.MethodGet, "/repos/o/r/issues?state=open", nil, nil)
	require.ErrorIs(t, err, boom)
	require.EqualError(t, err, "GitHub GET /repos/o/r/issues failed: connection refused")
	require.NotContains(t, err.Error(), "s3cret")
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	var none *http.Client
	for _, d := range []Doer{nil, none} {
		c := New("t", WithBaseURL(""), WithHTTPClient(d), WithTimeout(0))
		require.Equal(t, DefaultBaseURL, c.base)
		require.Equal(t, DefaultTimeout, c.timeout)
		hc, ok := c.http.(*http.Client)
		require.True(t, ok)
		require.NotNil(t, hc, "a nil *http.Client must not replace the default")
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
