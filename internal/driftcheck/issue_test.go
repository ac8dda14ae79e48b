package driftcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/github"
)

// recorder answers the issues API from a fixed list of open issues and
// records the writes.
type recorder struct {
	mu     sync.Mutex
	open   []github.Issue
	labels bool // whether open issues carry the label
	writes []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	body, _ := io.ReadAll(req.Body)
	if req.Method == http.MethodGet {
		if req.URL.Query().Get("labels") != "" && !r.labels {
			_, _ = w.Write([]byte("[]"))
			return
		}
		_ = json.NewEncoder(w).Encode(r.open)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	line := req.Method + " " + req.URL.Path
	if st, ok := m["state"]; ok {
		line += " state=" + st.(string)
	}
	r.writes = append(r.writes, line)
	if req.Method == http.MethodPost && req.URL.Path == "/repos/o/r/issues" {
		_, _ = w.Write([]byte(`{"number": 9}`))
		return
	}
	_, _ = w.Write([]byte(`{}`))
}

func TestIssueOpenUpdateClose(t *testing.T) {
	t.Parallel()
	drifted := &drift.Result{Findings: []drift.Finding{{Address: "aws_ecs_service.web", Type: "aws_ecs_service", Kind: drift.Changed, Class: drift.Review,
		Changes: []drift.Change{{Attribute: "desired_count", Before: "2", After: "3", Class: drift.Review}}}}}
	inSync := &drift.Result{}
	mine := github.Issue{Number: 4, Body: issueMarker("prod") + "\nold", State: "open"}
	other := github.Issue{Number: 5, Body: issueMarker("dev") + "\nold", State: "open"}
	cases := []struct {
		name   string
		res    *drift.Result
		open   []github.Issue
		labels bool
		want   string
		n      int
		action string
	}{
		{"opens", drifted, []github.Issue{other}, true, "POST /repos/o/r/issues", 9, "opened"},
		{"updates its own", drifted, []github.Issue{other, mine}, true, "PATCH /repos/o/r/issues/4", 4, "updated"},
		{"finds it without the label", drifted, []github.Issue{mine}, false, "PATCH /repos/o/r/issues/4", 4, "updated"},
		{"closes with a comment", inSync, []github.Issue{mine}, true, "POST /repos/o/r/issues/4/comments,PATCH /repos/o/r/issues/4 state=closed", 4, "closed"},
		{"nothing to do", inSync, []github.Issue{other}, true, "", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{open: tc.open, labels: tc.labels}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			getenv := func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "o/r"}[k] }
			env := &cli.Env{Console: gha.New(&bytes.Buffer{}, getenv), Getenv: getenv}
			cfg := &Config{Environment: "prod", Token: "t0ken"}
			rep := &Report{Environment: "prod", Drifted: tc.res.Drifted(), CheckedAt: time.Unix(0, 0), Result: tc.res}
			n, action, err := syncIssue(context.Background(), env, Options{GitHubAPI: srv.URL, HTTPClient: srv.Client()}, cfg, rep)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rec.writes, ","); got != tc.want || n != tc.n || action != tc.action {
				t.Fatalf("writes %q #%d %q; want %q #%d %q", got, n, action, tc.want, tc.n, tc.action)
			}
		})
	}
}

func TestIssueErrorSaysWhatToGrant(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"Resource not accessible by integration"}`, http.StatusForbidden)
	}))
	defer srv.Close()
	getenv := func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "o/r"}[k] }
	env := &cli.Env{Console: gha.New(&bytes.Buffer{}, getenv), Getenv: getenv}
	rep := &Report{Environment: "prod", Drifted: true, Result: &drift.Result{}}
	_, _, err := syncIssue(context.Background(), env, Options{GitHubAPI: srv.URL, HTTPClient: srv.Client()}, &Config{Environment: "prod", Token: "x"}, rep)
	if err == nil || !strings.Contains(err.Error(), "issues: write") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err = %v", err)
	}
}
