package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// OIDCEnv starts a stand-in for the Actions OIDC token endpoint and returns
// the two variables that point a job at it (pass them as Workflow.Env).
// The token's payload holds claims; nil gives a token with only a subject,
// which names no job_workflow_ref or job_workflow_sha, so a reusable
// workflow takes its ecsflow pin from ecsflow-ref. Actions that assume a
// role with the token get credentials (moto checks no token).
func OIDCEnv(t testing.TB, claims map[string]string) map[string]string {
	t.Helper()
	token := "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOmUyZTplbnZpcm9ubWVudDpwcm9kIn0.sig"
	if claims != nil {
		payload, err := json.Marshal(claims)
		if err != nil {
			t.Fatalf("e2e: OIDC claims: %v", err)
		}
		token = "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
	}
	body, _ := json.Marshal(map[string]string{"value": token})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer e2e-request-token" && r.Header.Get("Authorization") != "Bearer e2e-request-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   srv.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "e2e-request-token",
	}
}
