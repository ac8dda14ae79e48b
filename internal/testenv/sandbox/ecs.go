package sandbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/testenv/cwsim"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// DefaultECSSpeed is how much faster than real time the ECS simulator runs
// in the sandbox: a rollout that takes about a minute on AWS (provisioning,
// image pull, health checks, draining) completes in about three seconds.
const DefaultECSSpeed = 20

// ecsRouter gives every region its own ECS rollout simulator, created on
// the region's first ECS call, as ECS itself is regional: a test that seeds
// its own region gets its own clusters and services. Deployment alarms are
// read from moto's CloudWatch in the same region.
type ecsRouter struct {
	fallback http.Handler
	speed    float64
	motoURL  string

	mu   sync.Mutex
	sims map[string]*regionSim
}

type regionSim struct {
	sim     *ecssim.Sim
	handler http.Handler
	// cw holds the metrics the simulator publishes and answers anomaly
	// detection for them; cwHandler serves it, the rest going to moto.
	cw        *cwsim.CloudWatch
	cwHandler http.Handler
}

func newECSRouter(fallback http.Handler, motoURL string, speed float64) *ecsRouter {
	return &ecsRouter{fallback: fallback, motoURL: motoURL, speed: speed, sims: map[string]*regionSim{}}
}

// mirrored are the ECS writes also replayed to moto after the simulator
// accepted them. The simulator owns ECS, but other moto services look ECS
// resources up in moto's own ECS: Application Auto Scaling refuses a
// scalable target for a service moto does not know. Task definition
// revisions stay aligned because both number them from 1 per family.
var mirrored = map[string]bool{
	"CreateCluster": true, "DeleteCluster": true,
	"RegisterTaskDefinition": true, "DeregisterTaskDefinition": true,
	"CreateService": true, "UpdateService": true, "DeleteService": true,
}

func (e *ecsRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region := signingRegion(r.Header.Get("Authorization"))
	if region == "" {
		region = DefaultRegion
	}
	h := e.get(region).handler
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), ECSTargetPrefix)
	if !mirrored[op] {
		h.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, "failed to read the request body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(sw, r)
	if sw.status != http.StatusOK {
		return
	}
	m := r.Clone(r.Context())
	m.Body = io.NopCloser(bytes.NewReader(body))
	m.ContentLength = int64(len(body))
	e.fallback.ServeHTTP(httptest.NewRecorder(), m) // moto's answer does not matter
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (e *ecsRouter) get(region string) *regionSim {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rs, ok := e.sims[region]; ok {
		return rs
	}
	cw := cloudwatch.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  staticCredentials(),
		BaseEndpoint: aws.String(e.motoURL),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
	}, cloudwatchclient.Options(func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return e.motoURL
		}
		return ""
	})...)
	metrics := cwsim.New()
	sim := ecssim.New(ecssim.NewFakeClock(time.Now().UTC()),
		ecssim.WithRegion(region),
		ecssim.WithAccount(AccountID),
		ecssim.WithAlarmSource(alarmStates(cw)),
		ecssim.WithMetrics(metrics.AddData),
		ecssim.WithLoadBalancerOf(loadBalancerOf(elbv2.NewFromConfig(aws.Config{
			Region:       region,
			Credentials:  staticCredentials(),
			BaseEndpoint: aws.String(e.motoURL),
			HTTPClient:   &http.Client{Timeout: 10 * time.Second},
		}))),
	)
	rs := &regionSim{sim: sim, handler: ecssim.NewHandler(sim, e.fallback, ecssim.WithRealTime(e.speed)),
		cw: metrics, cwHandler: metrics.Handler(e.fallback)}
	e.sims[region] = rs
	return rs
}

func (e *ecsRouter) reset() {
	e.mu.Lock()
	e.sims = map[string]*regionSim{}
	e.mu.Unlock()
}

// alarmStates reads the states of the alarms a deployment watches from
// CloudWatch (moto), so `SetAlarmState` on the sandbox fails a deployment
// just as an alarm going off does on AWS.
func alarmStates(cw *cloudwatch.Client) func(names []string) map[string]string {
	return func(names []string) map[string]string {
		out := map[string]string{}
		if len(names) == 0 {
			return out
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for i := 0; i < len(names); i += 100 {
			chunk := names[i:min(i+100, len(names))]
			resp, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: chunk})
			if err != nil {
				return out // unknown: the simulator keeps the states it has
			}
			for _, a := range resp.MetricAlarms {
				out[aws.ToString(a.AlarmName)] = string(a.StateValue)
			}
			for _, a := range resp.CompositeAlarms {
				out[aws.ToString(a.AlarmName)] = string(a.StateValue)
			}
		}
		return out
	}
}

// loadBalancerOf finds a target group's load balancer in moto's ELBv2, so
// the simulator's ALB metrics carry the LoadBalancer dimension as
// CloudWatch's do. Answers are kept; a target group no listener uses yet
// is asked again next time.
func loadBalancerOf(c *elbv2.Client) func(string) string {
	var mu sync.Mutex
	known := map[string]string{}
	return func(tg string) string {
		mu.Lock()
		defer mu.Unlock()
		if lb, ok := known[tg]; ok {
			return lb
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
		if err != nil || len(out.TargetGroups) == 0 || len(out.TargetGroups[0].LoadBalancerArns) == 0 {
			return ""
		}
		known[tg] = out.TargetGroups[0].LoadBalancerArns[0]
		return known[tg]
	}
}

// ECS returns the ECS rollout simulator of region (creating it), so tests
// and the demo can inject faults (ecssim.Fault) or read call counts. It
// returns nil when the sandbox runs without the simulator.
func (s *Sandbox) ECS(region string) *ecssim.Sim {
	if s.ecs == nil {
		return nil
	}
	if region == "" {
		region = s.Region
	}
	return s.ecs.get(region).sim
}

// cloudWatchRouter sends each region's CloudWatch calls to the stand-in
// fed by that region's simulator (cwsim.CloudWatch.Handler decides which
// calls it answers; the rest go on to moto).
type cloudWatchRouter struct{ e *ecsRouter }

func (c cloudWatchRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region := signingRegion(r.Header.Get("Authorization"))
	if region == "" {
		region = DefaultRegion
	}
	c.e.get(region).cwHandler.ServeHTTP(w, r)
}

// CloudWatch returns the CloudWatch stand-in of region (creating the
// region's simulator), which holds the metrics the simulator publishes and
// answers ANOMALY_DETECTION_BAND for them. It returns nil when the sandbox
// runs without the simulator.
func (s *Sandbox) CloudWatch(region string) *cwsim.CloudWatch {
	if s.ecs == nil {
		return nil
	}
	if region == "" {
		region = s.Region
	}
	return s.ecs.get(region).cw
}
