// Package ghstub is a local stand-in for the part of the GitHub REST API
// that ecsflow's actions call for issues: list issues (by state and label),
// search issues (by repository, state, label and quoted body text), read,
// create and update an issue (title, body, labels, state), and list, add
// and edit comments. It keeps every issue in memory, so an end-to-end test
// can point an action at it (GITHUB_API_URL) and then assert on what the
// action opened, updated or closed.
//
// Start one with New(t); pass Server.URL as GITHUB_API_URL and Server.Token
// as the workflow's GITHUB_TOKEN. Requests without that bearer token are
// refused with 401, as GitHub does.
package ghstub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue is one issue as the stand-in holds it.
type Issue struct {
	// Repo is owner/name.
	Repo   string
	Number int
	Title  string
	Body   string
	Labels []string
	// State is open or closed; StateReason is what the closing request gave.
	State       string
	StateReason string
	Comments    []Comment
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time
}

// HasLabel reports whether the issue carries label.
func (i Issue) HasLabel(label string) bool {
	for _, l := range i.Labels {
		if l == label {
			return true
		}
	}
	return false
}

// Comment is one issue comment.
type Comment struct {
	ID   int64
	Body string
}

// Request is one request the stand-in answered: method, path with query,
// and the status it returned.
type Request struct {
	Method, Path string
	Status       int
}

// Server is the running stand-in.
type Server struct {
	// URL is the API root to use as GITHUB_API_URL (no trailing slash).
	URL string
	// Token is the only bearer token accepted.
	Token string

	srv         *httptest.Server
	mu          sync.Mutex
	issues      []*Issue
	nextComment int64
	requests    []Request
}

// New starts a stand-in that accepts token "ghstub-token"; it stops when
// the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{Token: "ghstub-token", nextComment: 1000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Issues returns a copy of every issue, in number order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, i := range s.issues {
		c := *i
		c.Labels = append([]string(nil), i.Labels...)
		c.Comments = append([]Comment(nil), i.Comments...)
		out = append(out, c)
	}
	return out
}

// WithLabel returns a copy of the issues carrying label.
func (s *Server) WithLabel(label string) []Issue {
	var out []Issue
	for _, i := range s.Issues() {
		if i.HasLabel(label) {
			out = append(out, i)
		}
	}
	return out
}

// Requests returns the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

var (
	reIssues   = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues$`)
	reIssue    = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues/([0-9]+)$`)
	reComments = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues/([0-9]+)/comments$`)
	reComment  = regexp.MustCompile(`^/repos/([^/]+/[^/]+)/issues/comments/([0-9]+)$`)
)

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), Status: rec.status})
	}()
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "token ")
	}
	if !ok || tok != s.Token {
		writeJSON(rec, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	p := r.URL.Path
	switch {
	case p == "/search/issues" && r.Method == http.MethodGet:
		s.search(rec, r)
	case reIssues.MatchString(p):
		repo := reIssues.FindStringSubmatch(p)[1]
		switch r.Method {
		case http.MethodGet:
			s.list(rec, r, repo)
		case http.MethodPost:
			s.create(rec, r, repo)
		default:
			notAllowed(rec)
		}
	case reIssue.MatchString(p):
		m := reIssue.FindStringSubmatch(p)
		is := s.find(m[1], m[2])
		if is == nil {
			notFound(rec)
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(rec, http.StatusOK, s.issueJSON(is))
		case http.MethodPatch:
			s.update(rec, r, is)
		default:
			notAllowed(rec)
		}
	case reComments.MatchString(p):
		m := reComments.FindStringSubmatch(p)
		is := s.find(m[1], m[2])
		if is == nil {
			notFound(rec)
			return
		}
		switch r.Method {
		case http.MethodGet:
			out := []map[string]any{}
			for _, c := range is.Comments {
				out = append(out, s.commentJSON(is, c))
			}
			writeJSON(rec, http.StatusOK, out)
		case http.MethodPost:
			var in struct {
				Body *string `json:"body"`
			}
			if !decode(rec, r, &in) {
				return
			}
			if in.Body == nil {
				invalid(rec, "body is required")
				return
			}
			s.nextComment++
			c := Comment{ID: s.nextComment, Body: *in.Body}
			is.Comments = append(is.Comments, c)
			is.UpdatedAt = time.Now().UTC()
			writeJSON(rec, http.StatusCreated, s.commentJSON(is, c))
		default:
			notAllowed(rec)
		}
	case reComment.MatchString(p) && r.Method == http.MethodPatch:
		m := reComment.FindStringSubmatch(p)
		id, _ := strconv.ParseInt(m[2], 10, 64)
		var in struct {
			Body *string `json:"body"`
		}
		if !decode(rec, r, &in) {
			return
		}
		for _, is := range s.issues {
			if is.Repo != m[1] {
				continue
			}
			for k := range is.Comments {
				if is.Comments[k].ID == id {
					if in.Body != nil {
						is.Comments[k].Body = *in.Body
					}
					writeJSON(rec, http.StatusOK, s.commentJSON(is, is.Comments[k]))
					return
				}
			}
		}
		notFound(rec)
	default:
		notFound(rec)
	}
}

func (s *Server) find(repo, num string) *Issue {
	n, _ := strconv.Atoi(num)
	for _, is := range s.issues {
		if is.Repo == repo && is.Number == n {
			return is
		}
	}
	return nil
}

// list answers GET /repos/{repo}/issues: state (open, closed, all; default
// open) and labels (comma separated, all must match).
func (s *Server) list(w http.ResponseWriter, r *http.Request, repo string) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var labels []string
	if l := q.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	out := []map[string]any{}
	for _, is := range s.sorted() {
		if is.Repo != repo || (state != "all" && is.State != state) || !hasAll(is, labels) {
			continue
		}
		out = append(out, s.issueJSON(is))
	}
	writeJSON(w, http.StatusOK, out)
}

// search answers GET /search/issues with the qualifiers repo:, is:open,
// is:closed, state:, label: and "quoted text" (matched in title or body);
// other bare words must appear in the title or body too.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	var repo, state string
	var labels, words []string
	for _, tok := range splitQuery(q) {
		switch {
		case strings.HasPrefix(tok, "repo:"):
			repo = strings.TrimPrefix(tok, "repo:")
		case tok == "is:open" || tok == "state:open":
			state = "open"
		case tok == "is:closed" || tok == "state:closed":
			state = "closed"
		case tok == "is:issue" || strings.HasPrefix(tok, "in:"):
		case strings.HasPrefix(tok, "label:"):
			labels = append(labels, strings.Trim(strings.TrimPrefix(tok, "label:"), `"`))
		default:
			words = append(words, strings.Trim(tok, `"`))
		}
	}
	items := []map[string]any{}
	for _, is := range s.sorted() {
		if (repo != "" && is.Repo != repo) || (state != "" && is.State != state) || !hasAll(is, labels) {
			continue
		}
		match := true
		for _, wd := range words {
			if !strings.Contains(is.Title, wd) && !strings.Contains(is.Body, wd) {
				match = false
				break
			}
		}
		if match {
			items = append(items, s.issueJSON(is))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
}

// splitQuery splits a search query on spaces outside double quotes.
func splitQuery(q string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, c := range q {
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteRune(c)
		case c == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, repo string) {
	var in struct {
		Title  *string  `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		invalid(w, "title is required")
		return
	}
	n := 1
	for _, is := range s.issues {
		if is.Repo == repo && is.Number >= n {
			n = is.Number + 1
		}
	}
	now := time.Now().UTC()
	is := &Issue{Repo: repo, Number: n, Title: *in.Title, Body: in.Body, Labels: append([]string(nil), in.Labels...),
		State: "open", CreatedAt: now, UpdatedAt: now}
	s.issues = append(s.issues, is)
	writeJSON(w, http.StatusCreated, s.issueJSON(is))
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, is *Issue) {
	var in struct {
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
		Labels      *[]string `json:"labels"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		invalid(w, "state must be open or closed")
		return
	}
	now := time.Now().UTC()
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = append([]string(nil), (*in.Labels)...)
	}
	if in.State != nil && *in.State != is.State {
		is.State = *in.State
		if is.State == "closed" {
			is.ClosedAt = now
		} else {
			is.ClosedAt = time.Time{}
		}
	}
	if in.StateReason != nil {
		is.StateReason = *in.StateReason
	}
	is.UpdatedAt = now
	writeJSON(w, http.StatusOK, s.issueJSON(is))
}

func (s *Server) sorted() []*Issue {
	out := append([]*Issue(nil), s.issues...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number > out[j].Number }) // newest first, as GitHub lists
	return out
}

func hasAll(is *Issue, labels []string) bool {
	for _, l := range labels {
		if !is.HasLabel(strings.TrimSpace(l)) {
			return false
		}
	}
	return true
}

func (s *Server) issueJSON(is *Issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	var closed any
	if !is.ClosedAt.IsZero() {
		closed = is.ClosedAt.Format(time.RFC3339)
	}
	var reason any
	if is.StateReason != "" {
		reason = is.StateReason
	}
	return map[string]any{
		"number":       is.Number,
		"url":          fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, is.Repo, is.Number),
		"html_url":     fmt.Sprintf("https://github.com/%s/issues/%d", is.Repo, is.Number),
		"title":        is.Title,
		"body":         is.Body,
		"state":        is.State,
		"state_reason": reason,
		"labels":       labels,
		"comments":     len(is.Comments),
		"created_at":   is.CreatedAt.Format(time.RFC3339),
		"updated_at":   is.UpdatedAt.Format(time.RFC3339),
		"closed_at":    closed,
	}
}

func (s *Server) commentJSON(is *Issue, c Comment) map[string]any {
	return map[string]any{
		"id":        c.ID,
		"body":      c.Body,
		"html_url":  fmt.Sprintf("https://github.com/%s/issues/%d#issuecomment-%d", is.Repo, is.Number, c.ID),
		"issue_url": fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, is.Repo, is.Number),
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func notAllowed(w http.ResponseWriter) {
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method Not Allowed"})
}

func invalid(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: " + msg})
}
