package deployecs

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/forecast"
)

// Fault injection for the matrix in matrix_test.go: wrappers around the
// clients deploy-ecs takes answer one operation with a fault, on its first
// call or on every call.

// fault is what an injected call does.
type fault string

const (
	// faultThrottle refuses the call with the service's throttling error.
	faultThrottle fault = "throttle"
	// fault5xx fails the call with the service's internal error (HTTP 500).
	fault5xx fault = "5xx"
	// faultTimeout lets the call reach the service, which applies it, and
	// loses the answer: the client sees a read timeout after callTimeout.
	// A lost answer to a write is the harder of the two ways a timeout
	// can happen (the request may or may not have been applied).
	faultTimeout fault = "timeout"
	// faultUnsent is the other way a timeout happens: the request never
	// reached the service, and the client sees the same read timeout.
	faultUnsent fault = "timeout-unsent"
)

var faults = []fault{faultThrottle, fault5xx, faultTimeout, faultUnsent}

// callTimeout is how long a timed-out call takes on the fake clock.
const callTimeout = 30 * time.Second

// injector decides which calls fail. It is shared by every wrapper of one
// run; op is "service:Operation" as in Engine.Calls.
type injector struct {
	op      string
	kind    fault
	every   bool
	advance func(time.Duration)

	mu    sync.Mutex
	calls map[string]int
	fired int
}

func newInjector(op string, kind fault, every bool, advance func(time.Duration)) *injector {
	return &injector{op: op, kind: kind, every: every, advance: advance, calls: map[string]int{}}
}

// hit counts a call of op and returns the fault to inject, or "".
func (in *injector) hit(op string) fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.calls[op]++
	if op != in.op || (!in.every && in.calls[op] > 1) {
		return ""
	}
	in.fired++
	return in.kind
}

func (in *injector) count(op string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.calls[op]
}

func (in *injector) firedCount() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.fired
}

// apiErrors are the error codes each service answers with for a fault:
// its throttling error (HTTP 400) and its internal error (HTTP 500).
var apiErrors = map[string]map[fault]string{
	"ecs":        {faultThrottle: "ThrottlingException", fault5xx: "ServerException"},
	"cloudwatch": {faultThrottle: "Throttling", fault5xx: "InternalServiceFault"},
	"elbv2":      {faultThrottle: "Throttling", fault5xx: "InternalFailure"},
	"dynamodb":   {faultThrottle: "ThrottlingException", fault5xx: "InternalServerError"},
	// Application Auto Scaling (types.InternalServiceException)
	"autoscaling": {faultThrottle: "ThrottlingException", fault5xx: "InternalServiceException"},
}

// faultError is the error an SDK client returns for a fault, wrapped the
// way the SDK wraps it (operation error, response error with the status).
func faultError(op string, kind fault) error {
	svc, name, _ := strings.Cut(op, ":")
	if kind == faultTimeout || kind == faultUnsent {
		return &smithy.OperationError{ServiceID: svc, OperationName: name, Err: &smithyhttp.RequestSendError{
			Err: &url.Error{Op: "Post", URL: "https://" + svc + ".us-east-1.amazonaws.com/", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}},
		}}
	}
	status, msg := 400, "Rate exceeded"
	if kind == fault5xx {
		status, msg = 500, "We encountered an internal error. Please try again."
	}
	return &smithy.OperationError{ServiceID: svc, OperationName: name, Err: &awshttp.ResponseError{
		RequestID: "fault-injected",
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: apiErrors[svc][kind], Message: msg},
		},
	}}
}

// inject runs call unless op is to fail. A timeout runs the call (the
// service applies it), advances the fake clock and drops the answer.
func inject[T any](in *injector, op string, call func() (T, error)) (T, error) {
	var zero T
	switch k := in.hit(op); k {
	case "":
		return call()
	case faultTimeout:
		_, _ = call()
		in.advance(callTimeout)
		return zero, faultError(op, k)
	case faultUnsent:
		in.advance(callTimeout)
		return zero, faultError(op, k)
	default:
		return zero, faultError(op, k)
	}
}

// faultyECS puts an injector in front of an ECS client.
type faultyECS struct {
	deploy.ECS
	in *injector
}

var _ deploy.ECS = faultyECS{}

func (f faultyECS) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	return inject(f.in, "ecs:DescribeServices", func() (*ecs.DescribeServicesOutput, error) { return f.ECS.DescribeServices(ctx, in, o...) })
}

func (f faultyECS) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	return inject(f.in, "ecs:UpdateService", func() (*ecs.UpdateServiceOutput, error) { return f.ECS.UpdateService(ctx, in, o...) })
}

func (f faultyECS) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return inject(f.in, "ecs:DescribeTaskDefinition", func() (*ecs.DescribeTaskDefinitionOutput, error) { return f.ECS.DescribeTaskDefinition(ctx, in, o...) })
}

func (f faultyECS) RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error) {
	return inject(f.in, "ecs:RegisterTaskDefinition", func() (*ecs.RegisterTaskDefinitionOutput, error) { return f.ECS.RegisterTaskDefinition(ctx, in, o...) })
}

func (f faultyECS) ListTasks(ctx context.Context, in *ecs.ListTasksInput, o ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	return inject(f.in, "ecs:ListTasks", func() (*ecs.ListTasksOutput, error) { return f.ECS.ListTasks(ctx, in, o...) })
}

func (f faultyECS) DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, o ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return inject(f.in, "ecs:DescribeTasks", func() (*ecs.DescribeTasksOutput, error) { return f.ECS.DescribeTasks(ctx, in, o...) })
}

func (f faultyECS) DescribeServiceDeployments(ctx context.Context, in *ecs.DescribeServiceDeploymentsInput, o ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	return inject(f.in, "ecs:DescribeServiceDeployments", func() (*ecs.DescribeServiceDeploymentsOutput, error) {
		return f.ECS.DescribeServiceDeployments(ctx, in, o...)
	})
}

func (f faultyECS) ListServiceDeployments(ctx context.Context, in *ecs.ListServiceDeploymentsInput, o ...func(*ecs.Options)) (*ecs.ListServiceDeploymentsOutput, error) {
	return inject(f.in, "ecs:ListServiceDeployments", func() (*ecs.ListServiceDeploymentsOutput, error) { return f.ECS.ListServiceDeployments(ctx, in, o...) })
}

func (f faultyECS) StopServiceDeployment(ctx context.Context, in *ecs.StopServiceDeploymentInput, o ...func(*ecs.Options)) (*ecs.StopServiceDeploymentOutput, error) {
	return inject(f.in, "ecs:StopServiceDeployment", func() (*ecs.StopServiceDeploymentOutput, error) { return f.ECS.StopServiceDeployment(ctx, in, o...) })
}

func (f faultyECS) ContinueServiceDeployment(ctx context.Context, in *ecs.ContinueServiceDeploymentInput, o ...func(*ecs.Options)) (*ecs.ContinueServiceDeploymentOutput, error) {
	return inject(f.in, "ecs:ContinueServiceDeployment", func() (*ecs.ContinueServiceDeploymentOutput, error) {
		return f.ECS.ContinueServiceDeployment(ctx, in, o...)
	})
}

// faultyCloudWatch puts an injector in front of a CloudWatch client.
type faultyCloudWatch struct {
	deploy.CloudWatch
	in *injector
}

var _ deploy.CloudWatch = faultyCloudWatch{}

func (f faultyCloudWatch) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, o ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return inject(f.in, "cloudwatch:DescribeAlarms", func() (*cloudwatch.DescribeAlarmsOutput, error) { return f.CloudWatch.DescribeAlarms(ctx, in, o...) })
}

func (f faultyCloudWatch) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, o ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return inject(f.in, "cloudwatch:GetMetricData", func() (*cloudwatch.GetMetricDataOutput, error) { return f.CloudWatch.GetMetricData(ctx, in, o...) })
}

// faultyELB puts an injector in front of an ELBv2 client.
type faultyELB struct {
	deploy.ELB
	in *injector
}

var _ deploy.ELB = faultyELB{}

func (f faultyELB) DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, o ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	return inject(f.in, "elbv2:DescribeTargetHealth", func() (*elbv2.DescribeTargetHealthOutput, error) { return f.ELB.DescribeTargetHealth(ctx, in, o...) })
}

func (f faultyELB) DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput, o ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	return inject(f.in, "elbv2:DescribeTargetGroups", func() (*elbv2.DescribeTargetGroupsOutput, error) { return f.ELB.DescribeTargetGroups(ctx, in, o...) })
}

// faultyForecast puts an injector in front of the forecast client.
type faultyForecast struct {
	forecast.API
	in *injector
}

func (f faultyForecast) GetPredictiveScalingForecast(ctx context.Context, in *applicationautoscaling.GetPredictiveScalingForecastInput, o ...func(*applicationautoscaling.Options)) (*applicationautoscaling.GetPredictiveScalingForecastOutput, error) {
	return inject(f.in, "autoscaling:GetPredictiveScalingForecast", func() (*applicationautoscaling.GetPredictiveScalingForecastOutput, error) {
		return f.API.GetPredictiveScalingForecast(ctx, in, o...)
	})
}

// faultyTransport injects faults into the real DynamoDB client's HTTP
// requests to moto, so the SDK's own retries and error decoding run as in
// production. The operation is read from the X-Amz-Target header.
type faultyTransport struct {
	base http.RoundTripper
	in   *injector
}

func (f faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	_, name, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	op := "dynamodb:" + name
	switch k := f.in.hit(op); k {
	case "":
		return f.base.RoundTrip(r)
	case faultTimeout, faultUnsent:
		if k == faultTimeout {
			resp, err := f.base.RoundTrip(r)
			if err == nil {
				resp.Body.Close()
			}
		}
		f.in.advance(callTimeout)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	default:
		status := 400
		if k == fault5xx {
			status = 500
		}
		body := `{"__type":"com.amazonaws.dynamodb.v20120810#` + apiErrors["dynamodb"][k] + `","message":"injected ` + string(k) + `"}`
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)), Request: r}, nil
	}
}
