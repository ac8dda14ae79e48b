package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Engine deploys and rolls back ECS services. Fill the clients you have;
// ECS and Clock are required.
type Engine struct {
	ECS        ECS
	CloudWatch CloudWatch // alarms and metric gates; may be nil without them
	ELB        ELB        // target health in failure explanations; may be nil
	HTTP       HTTPDoer   // health-check gate; may be nil without it
	Clock      clock.Clock
	// Log receives progress lines (service events, gate results). The
	// action prints them; nil discards them.
	Log func(service, line string)
	// PollFloor is the first wait between polls; PollCeiling the longest.
	// Defaults: 1s and 5s.
	PollFloor, PollCeiling time.Duration
	// Settle is how long a read may not show a deployment this run just
	// started before that counts as a failure (ECS reads are eventually
	// consistent). Default 60s.
	Settle time.Duration
	// Region is the region of the clients, named in errors that depend on
	// it; empty says "this region".
	Region string

	mu    sync.Mutex
	calls map[string]int
	// gap spaces calls out after throttling (adaptive, shared by every
	// call of the engine); next is when the next call may go.
	gap  time.Duration
	next time.Time
}

// Calls returns how many times each AWS operation was called.
func (e *Engine) Calls() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.calls))
	for k, v := range e.calls {
		out[k] = v
	}
	return out
}

func (e *Engine) count(op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.calls == nil {
		e.calls = map[string]int{}
	}
	e.calls[op]++
}

func (e *Engine) log(service, format string, args ...any) {
	if e.Log != nil {
		e.Log(service, fmt.Sprintf(format, args...))
	}
}

func (e *Engine) floor() time.Duration {
	if e.PollFloor > 0 {
		return e.PollFloor
	}
	return time.Second
}

func (e *Engine) ceiling() time.Duration {
	if e.PollCeiling > 0 {
		return e.PollCeiling
	}
	return 5 * time.Second
}

func (e *Engine) settle() time.Duration {
	if e.Settle > 0 {
		return e.Settle
	}
	return time.Minute
}

// pace waits until the next call may go. After throttling the engine
// spaces its calls (the account's token bucket refills at a steady rate,
// and every refused call costs a token of patience and a call), then
// narrows the gap again as calls succeed.
func (e *Engine) pace(ctx context.Context) {
	e.mu.Lock()
	gap, now := e.gap, e.Clock.Now()
	wait := e.next.Sub(now)
	if gap > 0 {
		e.next = maxTime(e.next, now).Add(gap)
	}
	e.mu.Unlock()
	if wait > 0 {
		_ = e.Clock.Sleep(ctx, wait)
	}
}

// throttled adapts the gap between calls to the answer of the last one.
func (e *Engine) throttled(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil && isThrottling(err) {
		e.gap = min(max(e.gap*2, 250*time.Millisecond), 5*time.Second)
		return
	}
	if err == nil && e.gap > 0 {
		e.gap -= e.gap / 64
		if e.gap < 10*time.Millisecond {
			e.gap = 0
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func isThrottling(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		return strings.Contains(c, "Throttl") || c == "RequestLimitExceeded" || c == "TooManyRequestsException" || strings.Contains(ae.ErrorMessage(), "Rate exceeded")
	}
	return strings.Contains(err.Error(), "Rate exceeded")
}

// Prepared is a validated plan: every service exists and every task
// definition is rendered and valid. Nothing has been changed in AWS yet.
type Prepared struct {
	Plan     *Plan
	services map[string]*prepared
}

type prepared struct {
	target   Target
	service  types.Service
	current  *types.TaskDefinition // the live revision
	doc      *taskdef.Doc          // what to register; nil when reusing
	reuseARN string                // deploy this existing revision
	anomaly  []AnomalyGate         // the plan's anomaly gates with this service's dimensions
}

// Prepare checks the plan against AWS with read-only calls and renders the
// task definitions. A missing cluster, service or revision comes back as
// a *NotFoundError; a plan the services cannot take as an *InputError.
// Strategy prerequisites, the timeout and the task definition family are
// all checked here, before anything is registered or updated.
func (e *Engine) Prepare(ctx context.Context, plan *Plan) (*Prepared, error) {
	p := &Prepared{Plan: plan, services: map[string]*prepared{}}
	names := plan.Services()
	svcs, err := e.describeServices(ctx, plan.Cluster, names)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, w := range plan.Waves {
		for _, t := range w {
			s := svcs[t.Service]
			if s == nil {
				return nil, &NotFoundError{Kind: "service", Name: t.Service, Cluster: plan.Cluster}
			}
			if st := aws.ToString(s.Status); st != "" && st != "ACTIVE" {
				return nil, badInput("service", t.Service, "is %s, not ACTIVE; only active services can be deployed", st)
			}
			if s.DeploymentController != nil && s.DeploymentController.Type != "" && s.DeploymentController.Type != types.DeploymentControllerTypeEcs {
				return nil, badInput("service", t.Service, "uses the %s deployment controller; ecsflow deploys services with the ECS controller", s.DeploymentController.Type)
			}
			if err := checkStrategy(plan, s); err != nil {
				return nil, err
			}
			ps, err := e.prepareOne(ctx, plan, t, s, used)
			if err != nil {
				return nil, err
			}
			if ps.anomaly, err = e.ForService(ctx, plan.Gates.Anomaly, *s); err != nil {
				return nil, err
			}
			p.services[t.Service] = ps
		}
	}
	if plan.SkipMissingContainers && len(names) > 0 {
		for _, r := range plan.Waves[0][0].Renders {
			if !used[r.Container] {
				return nil, badInput(RenderInput(r), r.Container, "container %q is in none of the services' task definitions", r.Container)
			}
		}
	}
	return p, nil
}

// family returns the family of a task definition ARN or family:revision.
func family(ref string) string {
	ref = taskdef.FamilyRevision(ref)
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		return ref[:i]
	}
	return ref
}

// base reads the task definition a service's new revision starts from and,
// in the same call where it can, the family's latest revision: a family
// name describes its latest ACTIVE revision, which is the live one unless
// the service was rolled back. One DescribeTaskDefinition per service in
// the common case.
func (e *Engine) base(ctx context.Context, s *types.Service) (cur, latest *ecs.DescribeTaskDefinitionOutput, err error) {
	live := aws.ToString(s.TaskDefinition)
	latest, err = e.describeTD(ctx, family(live))
	if err == nil && aws.ToString(latest.TaskDefinition.TaskDefinitionArn) == live {
		return latest, latest, nil
	}
	cur, err = e.describeTD(ctx, live)
	if err != nil {
		return nil, nil, err
	}
	if latest == nil || latest.TaskDefinition == nil {
		latest = cur
	}
	return cur, latest, nil
}

func (e *Engine) prepareOne(ctx context.Context, plan *Plan, t Target, s *types.Service, used map[string]bool) (*prepared, error) {
	ps := &prepared{target: t, service: *s}
	cur, latest, err := e.base(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("failed to read the live task definition of %s: %w", t.Service, err)
	}
	ps.current = cur.TaskDefinition
	var doc *taskdef.Doc
	switch {
	case t.Source.Doc != nil:
		doc = t.Source.Doc.Clone()
	case t.Source.Revision != "":
		if err := checkFamily(plan, t, family(t.Source.Revision), ps.current); err != nil {
			return nil, err
		}
		out, err := e.describeTD(ctx, t.Source.Revision)
		if err != nil {
			if isNotFound(err) {
				return nil, &NotFoundError{Kind: "task definition", Name: t.Source.Revision}
			}
			return nil, fmt.Errorf("failed to read task definition %s: %w", t.Source.Revision, err)
		}
		renders := keepRenders(plan, t, containerNames(out.TaskDefinition), used)
		if len(renders) == 0 {
			ps.reuseARN = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
			return ps, nil
		}
		t.Renders = renders
		if doc, err = taskdef.FromDescribed(out.TaskDefinition, out.Tags); err != nil {
			return nil, err
		}
	default:
		if doc, err = taskdef.FromDescribed(cur.TaskDefinition, cur.Tags); err != nil {
			return nil, err
		}
	}
	if err := checkFamily(plan, t, doc.Family(), ps.current); err != nil {
		return nil, err
	}
	if t.Source.Revision == "" {
		t.Renders = keepRenders(plan, t, doc.ContainerNames(), used)
	}
	if err := renderDoc(doc, t); err != nil {
		return nil, err
	}
	if doc.SameAs(ps.current) {
		ps.reuseARN = aws.ToString(ps.current.TaskDefinitionArn)
		return ps, nil
	}
	// A re-run after a rollback renders the revision registered last time:
	// reuse the family's latest revision when it is identical.
	if doc.Family() == family(aws.ToString(ps.current.TaskDefinitionArn)) && doc.SameAs(latest.TaskDefinition) {
		ps.reuseARN = aws.ToString(latest.TaskDefinition.TaskDefinitionArn)
		return ps, nil
	}
	ps.doc = doc
	return ps, nil
}

// keepRenders returns the renders of t to apply to a task definition with
// containers names. With SkipMissingContainers (several services sharing
// the render inputs) a render whose container the task definition lacks is
// dropped; used records the containers some service has.
func keepRenders(plan *Plan, t Target, names []string, used map[string]bool) []taskdef.Render {
	if !plan.SkipMissingContainers {
		return t.Renders
	}
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	var keep []taskdef.Render
	for _, r := range t.Renders {
		if has[r.Container] {
			keep = append(keep, r)
			used[r.Container] = true
		}
	}
	return keep
}

func containerNames(td *types.TaskDefinition) []string {
	var out []string
	for _, c := range td.ContainerDefinitions {
		out = append(out, aws.ToString(c.Name))
	}
	return out
}

// renderDoc applies t's renders to doc and validates the result; errors
// name the input the render came from.
func renderDoc(doc *taskdef.Doc, t Target) error {
	for _, r := range t.Renders {
		if err := doc.Apply(r); err != nil {
			var te *taskdef.Error
			if errors.As(err, &te) {
				input, val := "task-definition", ""
				switch te.Field {
				case "container-name":
					input, val = RenderInput(r), r.Container
				case "image":
					input, val = "image", r.Image
					if RenderInput(r) == "images" {
						input = "images"
					}
				case "log-configuration-options":
					input = te.Field
				}
				return badInput(input, val, "%s (service %s)", te.Reason, t.Service)
			}
			return err
		}
	}
	if err := doc.Validate(); err != nil {
		return badInput("task-definition", "", "for service %s: %s", t.Service, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

// checkFamily refuses to deploy a task definition of another family than
// the one the service runs (one service's revision into another service)
// unless the plan allows it.
func checkFamily(plan *Plan, t Target, fam string, cur *types.TaskDefinition) error {
	live := family(aws.ToString(cur.TaskDefinitionArn))
	if plan.AllowFamilyChange || fam == "" || fam == live {
		return nil
	}
	val := t.Source.Revision
	if val == "" {
		val = fam
	}
	return badInput("task-definition", val, "is family %q but service %s runs family %q; deploying one service's task definition into another is refused unless allow-family-change is true", fam, t.Service, live)
}

func (e *Engine) describeTD(ctx context.Context, ref string) (*ecs.DescribeTaskDefinitionOutput, error) {
	var out *ecs.DescribeTaskDefinitionOutput
	err := e.retry(ctx, "ecs:DescribeTaskDefinition", func() (err error) {
		out, err = e.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(ref), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
		})
		return err
	})
	if err == nil && (out == nil || out.TaskDefinition == nil) {
		err = fmt.Errorf("task definition %s not found", ref)
	}
	return out, err
}

// Where names the region of the clients for errors: "eu-central-1 (this
// account)", or "this account and region" when the client does not say.
func (e *Engine) Where() string {
	if e.Region == "" {
		return "this account and region"
	}
	return e.Region + " (this account)"
}

// ClientRegion is the region of an SDK client (its Options), or "" for a
// client that does not say.
func ClientRegion(c any) string {
	if o, ok := c.(interface{ Options() ecs.Options }); ok {
		return o.Options().Region
	}
	return ""
}

// describeServices describes services in chunks of 10 (the API's limit).
// A missing cluster is a *NotFoundError.
func (e *Engine) describeServices(ctx context.Context, cluster string, names []string) (map[string]*types.Service, error) {
	out := map[string]*types.Service{}
	for i := 0; i < len(names); i += 10 {
		chunk := names[i:min(i+10, len(names))]
		var res *ecs.DescribeServicesOutput
		err := e.retry(ctx, "ecs:DescribeServices", func() (err error) {
			res, err = e.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: chunk})
			return err
		})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "ClusterNotFoundException" {
				return nil, &NotFoundError{Kind: "cluster", Name: cluster, Where: e.Where()}
			}
			return nil, fmt.Errorf("failed to describe services in cluster %s: %w", cluster, err)
		}
		for i := range res.Services {
			s := res.Services[i]
			out[aws.ToString(s.ServiceName)] = &s
		}
	}
	return out, nil
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		return c == "ClientException" || c == "InvalidParameterException" || strings.Contains(c, "NotFound")
	}
	return strings.Contains(err.Error(), "not found")
}

// retryable reports whether an AWS error is worth retrying: throttling,
// 5xx and transient network errors.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if noAnswer(err) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		if strings.Contains(c, "Throttl") || c == "RequestLimitExceeded" || c == "TooManyRequestsException" ||
			c == "ServerException" || c == "ServiceUnavailable" || c == "InternalFailure" || c == "ServiceUnavailableException" ||
			strings.Contains(ae.ErrorMessage(), "Rate exceeded") {
			return true
		}
		// other codes: the HTTP status decides (a service's own 5xx code)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() == 429 || re.HTTPStatusCode() >= 500
	}
	return strings.Contains(err.Error(), "Rate exceeded")
}

// retry calls fn, retrying throttling and 5xx with exponential backoff on
// the engine's clock (the SDK retries too; simulators return errors raw).
func (e *Engine) retry(ctx context.Context, op string, fn func() error) error {
	delay := 500 * time.Millisecond
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		e.count(op)
		e.pace(ctx)
		err = fn()
		e.throttled(err)
		if !retryable(err) {
			return err
		}
		if serr := e.Clock.Sleep(ctx, delay); serr != nil {
			return err
		}
		delay = min(delay*2, 20*time.Second)
	}
	return err
}

// Retry calls fn as the engine calls AWS: paced after throttling (the
// pacing is shared with the engine's own calls), counted under op in
// Calls, and retried on throttling, 5xx and transient network errors with
// exponential backoff on the engine's clock. It returns fn's last error.
func (e *Engine) Retry(ctx context.Context, op string, fn func() error) error {
	return e.retry(ctx, op, fn)
}

// DescribeServices describes services of a cluster, retrying throttling.
// A missing cluster is a *NotFoundError; missing services
// are absent from the map.
func (e *Engine) DescribeServices(ctx context.Context, cluster string, names []string) (map[string]*types.Service, error) {
	return e.describeServices(ctx, cluster, names)
}

// FiringAlarms returns the alarms among names that are in ALARM.
func (e *Engine) FiringAlarms(ctx context.Context, names []string) ([]string, error) {
	return e.alarmsFiring(ctx, names)
}

// ImageDigests returns, for a service's running tasks of revision td,
// container name → image@digest as ECS resolved it when the tasks pulled, so
// the ledger records what really ran even when the task definition names a
// tag. Containers without a reported digest keep their image reference.
func (e *Engine) ImageDigests(ctx context.Context, cluster, service, td string) (map[string]string, error) {
	e.count("ecs:ListTasks")
	lt, err := e.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(service), DesiredStatus: types.DesiredStatusRunning})
	if err != nil {
		return nil, fmt.Errorf("failed to list the tasks of %s: %w", service, err)
	}
	if len(lt.TaskArns) == 0 {
		return nil, nil
	}
	e.count("ecs:DescribeTasks")
	dt, err := e.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: lt.TaskArns[:min(100, len(lt.TaskArns))]})
	if err != nil {
		return nil, fmt.Errorf("failed to describe the tasks of %s: %w", service, err)
	}
	out := map[string]string{}
	for _, t := range dt.Tasks {
		if aws.ToString(t.TaskDefinitionArn) != td {
			continue
		}
		for _, c := range t.Containers {
			img, dig := aws.ToString(c.Image), aws.ToString(c.ImageDigest)
			if dig != "" && !strings.Contains(img, "@") {
				img += "@" + dig
			}
			out[aws.ToString(c.Name)] = img
		}
	}
	return out, nil
}
