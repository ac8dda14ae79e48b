package ghstub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func call(t *testing.T, s *Server, token, method, path string, in any, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		require.NoError(t, json.NewEncoder(&body).Encode(in))
	}
	req, err := http.NewRequest(method, s.URL+path, &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

type issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	State  string `json:"state"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
}

func TestIssueLifecycle(t *testing.T) {
	t.Parallel()
	s := New(t)
	tok := s.Token
	assert.Equal(t, http.StatusUnauthorized, call(t, s, "wrong", http.MethodGet, "/repos/o/r/issues", nil, nil))

	var a, b issue
	require.Equal(t, http.StatusCreated, call(t, s, tok, http.MethodPost, "/repos/o/r/issues",
		map[string]any{"title": "Drift in dev", "body": "<!-- m=dev -->\nchanged", "labels": []string{"ecsflow-drift"}}, &a))
	require.Equal(t, http.StatusCreated, call(t, s, tok, http.MethodPost, "/repos/o/r/issues",
		map[string]any{"title": "other", "body": "x"}, &b))
	assert.Equal(t, 1, a.Number)
	assert.Equal(t, 2, b.Number)
	assert.Equal(t, http.StatusUnprocessableEntity, call(t, s, tok, http.MethodPost, "/repos/o/r/issues", map[string]any{"body": "no title"}, nil))

	var list []issue
	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodGet, "/repos/o/r/issues?state=open&labels=ecsflow-drift&per_page=100", nil, &list))
	require.Len(t, list, 1)
	assert.Equal(t, "ecsflow-drift", list[0].Labels[0].Name)
	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodGet, "/repos/o/other/issues", nil, &list))
	assert.Empty(t, list, "issues are per repository")

	var found struct {
		TotalCount int     `json:"total_count"`
		Items      []issue `json:"items"`
	}
	q := url.QueryEscape(`repo:o/r is:issue is:open label:ecsflow-drift "<!-- m=dev -->"`)
	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodGet, "/search/issues?q="+q, nil, &found))
	require.Equal(t, 1, found.TotalCount)
	assert.Equal(t, 1, found.Items[0].Number)

	assert.Equal(t, http.StatusCreated, call(t, s, tok, http.MethodPost, "/repos/o/r/issues/1/comments", map[string]any{"body": "gone"}, nil))
	var closed issue
	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodPatch, "/repos/o/r/issues/1",
		map[string]any{"state": "closed", "state_reason": "completed"}, &closed))
	assert.Equal(t, "closed", closed.State)
	assert.Equal(t, http.StatusNotFound, call(t, s, tok, http.MethodPatch, "/repos/o/r/issues/9", map[string]any{"state": "closed"}, nil))
	assert.Equal(t, http.StatusUnprocessableEntity, call(t, s, tok, http.MethodPatch, "/repos/o/r/issues/2", map[string]any{"state": "gone"}, nil))

	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodGet, "/repos/o/r/issues?labels=ecsflow-drift", nil, &list))
	assert.Empty(t, list, "closed issues are not listed as open")
	require.Equal(t, http.StatusOK, call(t, s, tok, http.MethodGet, "/repos/o/r/issues?state=all", nil, &list))
	assert.Len(t, list, 2)

	got := s.WithLabel("ecsflow-drift")
	require.Len(t, got, 1)
	assert.Equal(t, "closed", got[0].State)
	assert.Equal(t, "completed", got[0].StateReason)
	require.Len(t, got[0].Comments, 1)
	assert.Equal(t, "gone", got[0].Comments[0].Body)
	assert.Equal(t, http.StatusUnauthorized, s.Requests()[0].Status)
}
