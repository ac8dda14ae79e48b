package drift_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// faultTransport answers some JSON-protocol calls (by X-Amz-Target suffix)
// with an error instead of passing them on, a given number of times
// (-1: always).
type faultTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	// faults maps an operation to the error code and how often to fail.
	faults map[string]*fault
}

type fault struct {
	code   string
	status int
	times  int
	seen   int
}

func (f *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	f.mu.Lock()
	ft := f.faults[target] // a full target names one service's operation
	if ft == nil {
		ft = f.faults[op]
	}
	fail := ft != nil && (ft.times < 0 || ft.seen < ft.times)
	if ft != nil {
		ft.seen++
	}
	f.mu.Unlock()
	if !fail {
		return f.next.RoundTrip(r)
	}
	body := `{"__type":"` + ft.code + `","message":"injected by the test"}`
	return &http.Response{StatusCode: ft.status, Header: http.Header{"X-Amzn-Errortype": {ft.code}, "Content-Type": {"application/x-amz-json-1.1"}},
		Body: io.NopCloser(bytes.NewBufferString(body)), Request: r, ContentLength: int64(len(body))}, nil
}

func faultyStack(t *testing.T, faults map[string]*fault) (drifttest.Clients, *drifttest.Stack) {
	t.Helper()
	_, st, cfg := newStack(t, 2)
	ft := &faultTransport{next: http.DefaultTransport, faults: faults}
	cfg.HTTPClient = &http.Client{Transport: ft, Timeout: 30 * time.Second}
	cfg.RetryMaxAttempts = 5
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 5; o.MaxBackoff = 5 * time.Millisecond })
	}
	return drifttest.NewClients(cfg, cloudwatchclient.Options(sandboxtest.Start(t).Getenv)...), st
}

func TestThrottlingIsRetriedAndTheScanCompletes(t *testing.T) {
	t.Parallel()
	faults := map[string]*fault{
		"DescribeServices":       {code: "ThrottlingException", status: 400, times: 2},
		"DescribeTaskDefinition": {code: "ThrottlingException", status: 400, times: 3},
	}
	c, st := faultyStack(t, faults)
	res := scan(t, c, st, drift.Options{})
	if len(res.Findings) != 0 || len(res.NotChecked) != 0 {
		t.Fatalf("throttled scan should end in sync:\n%s", dump(res))
	}
	for op, f := range faults {
		if f.seen <= f.times { // every throttled call was retried until it passed
			t.Errorf("%s: %d requests for %d throttles: not retried", op, f.seen, f.times)
		}
	}
}

func TestAccessDeniedOnOneTypeIsNotCheckedAndTheRestGoesOn(t *testing.T) {
	t.Parallel()
	c, st := faultyStack(t, map[string]*fault{
		"DescribeRepositories": {code: "AccessDeniedException", status: 400, times: -1},
	})
	ctx := context.Background()
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, st.Services[1].Name, 7))
	res := scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{"review changed aws_ecs_service." + st.Services[1].Name + " desired_count"}, dump(res))
	if len(res.NotChecked) != 2 {
		t.Fatalf("not checked = %+v, want the two ECR types", res.NotChecked)
	}
	for _, n := range res.NotChecked {
		if !strings.HasPrefix(n.Type, "aws_ecr_") || n.Permission != "ecr:DescribeRepositories" || n.Reason != "access denied" {
			t.Errorf("not checked = %+v, want an ECR type denied ecr:DescribeRepositories", n)
		}
	}
	if res.Checked != st.Resources-2 {
		t.Errorf("checked %d of %d resources, want all but the two ECR ones", res.Checked, st.Resources)
	}
}

func TestUncoveredTypesAreNotCheckedNotDrift(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 1)
	st.AddResource("aws_efs_file_system", "data", map[string]any{"id": "fs-0123"})
	st.AddResource("aws_route53_record", "app", map[string]any{"id": "Z1_app_A"})
	res := scan(t, c, st, drift.Options{})
	if len(res.Findings) != 0 {
		t.Fatalf("uncovered types must not be drift:\n%s", dump(res))
	}
	var types []string
	for _, n := range res.NotChecked {
		types = append(types, n.Type+": "+n.Reason)
	}
	assertLines(t, types, []string{"aws_efs_file_system: type not covered by drift-check", "aws_route53_record: type not covered by drift-check"}, dump(res))
	if res.Coverage() != 100 {
		t.Errorf("coverage = %.1f; uncovered types are outside the checked scope", res.Coverage())
	}
}

func TestScanFailsOnAnUnexpectedError(t *testing.T) {
	t.Parallel()
	c, st := faultyStack(t, map[string]*fault{
		"ListServices": {code: "ServerException", status: 500, times: -1},
	})
	s, err := tfstate.Parse(st.State())
	mustDo(t, err)
	_, err = drift.New(c.Drift(), drift.Options{}).Scan(context.Background(), s.Managed())
	if err == nil || !strings.Contains(err.Error(), "aws_ecs_cluster") || !strings.Contains(err.Error(), "ServerException") {
		t.Fatalf("err = %v, want a failure naming the type and the error", err)
	}
}

func TestDeniedTagsLeaveTheRestOfTheTypeChecked(t *testing.T) {
	t.Parallel()
	c, st := faultyStack(t, map[string]*fault{
		"Logs_20140328.ListTagsForResource": {code: "AccessDeniedException", status: 400, times: -1},
	})
	ctx := context.Background()
	s0 := st.Services[0]
	mustDo(t, drifttest.TagLogGroup(ctx, c, s0.LogGroup, "Owner", "bob")) // cannot be seen
	mustDo(t, drifttest.SetRetention(ctx, c, s0.LogGroup, 7))             // can
	res := scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{"review changed aws_cloudwatch_log_group." + s0.Name + " retention_in_days"}, dump(res))
	if len(res.NotChecked) != 1 || res.NotChecked[0].Type != "aws_cloudwatch_log_group" || res.NotChecked[0].Permission != "logs:ListTagsForResource" ||
		!strings.Contains(res.NotChecked[0].Reason, "tags not checked") {
		t.Fatalf("not checked = %+v", res.NotChecked)
	}
}
