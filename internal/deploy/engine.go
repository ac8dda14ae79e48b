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

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Engine deploys and rolls back ECS services. Fill the clients you have;
// ECS and Clock are required.
type Engine struct {
	ECS        ECS
	CloudWatch CloudWatch // alarms and metric gates; may be nil without them
	ELB        ELB        // target health in failure explanations; may be nil
	HTTP       HTTPDoer   // health-check gate; may be nil without it
	Clock      Clock
	// Log receives progress lines (service events, gate results). The
	// action prints them; nil discards them.
	Log func(service, line string)
	// PollFloor is the first wait between polls; PollCeiling the longest.
	// Defaults: 1s and 5s.
	PollFloor, PollCeiling time.Duration

	mu    sync.Mutex
	calls map[string]int
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
}

// Prepare checks the plan against AWS with read-only calls and renders the
// task definitions. Problems come back as *inputs.Error naming the input.
func (e *Engine) Prepare(ctx context.Context, plan *Plan) (*Prepared, error) {
	p := &Prepared{Plan: plan, services: map[string]*prepared{}}
	names := plan.Services()
	svcs, err := e.describeServices(ctx, plan.Cluster, names)
	if err != nil {
		return nil, err
	}
	for _, w := range plan.Waves {
		for _, t := range w {
			s := svcs[t.Service]
			if s == nil {
				return nil, inputs.Errorf("service", t.Service, "does not exist in cluster %q; check the service name and the cluster", plan.Cluster)
			}
			if st := aws.ToString(s.Status); st != "" && st != "ACTIVE" {
				return nil, inputs.Errorf("service", t.Service, "is %s, not ACTIVE; only active services can be deployed", st)
			}
			if s.DeploymentController != nil && s.DeploymentController.Type != "" && s.DeploymentController.Type != types.DeploymentControllerTypeEcs {
				return nil, inputs.Errorf("service", t.Service, "uses the %s deployment controller; ecsflow deploys services with the ECS controller", s.DeploymentController.Type)
			}
			ps, err := e.prepareOne(ctx, plan, t, s)
			if err != nil {
				return nil, err
			}
			p.services[t.Service] = ps
		}
	}
	return p, nil
}

func (e *Engine) prepareOne(ctx context.Context, plan *Plan, t Target, s *types.Service) (*prepared, error) {
	ps := &prepared{target: t, service: *s}
	cur, err := e.describeTD(ctx, aws.ToString(s.TaskDefinition))
	if err != nil {
		return nil, fmt.Errorf("failed to read the live task definition of %s: %w", t.Service, err)
	}
	ps.current = cur.TaskDefinition
	var doc *taskdef.Doc
	switch {
	case t.Source.Doc != nil:
		doc = t.Source.Doc.Clone()
	case t.Source.Revision != "":
		out, err := e.describeTD(ctx, t.Source.Revision)
		if err != nil {
			if isNotFound(err) {
				return nil, inputs.Errorf("task-definition", t.Source.Revision, "is not a registered task definition revision")
			}
			return nil, fmt.Errorf("failed to read task definition %s: %w", t.Source.Revision, err)
		}
		if len(t.Renders) == 0 {
			ps.reuseARN = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
			return ps, nil
		}
		if doc, err = taskdef.FromDescribed(out.TaskDefinition, out.Tags); err != nil {
			return nil, err
		}
	default:
		if doc, err = taskdef.FromDescribed(cur.TaskDefinition, cur.Tags); err != nil {
			return nil, err
		}
	}
	for _, r := range t.Renders {
		if err := doc.Apply(r); err != nil {
			var te *taskdef.Error
			if errors.As(err, &te) {
				input, val := "task-definition", ""
				switch te.Field {
				case "container-name":
					input, val = renderInput(r), r.Container
				case "image":
					input, val = "image", r.Image
					if renderInput(r) == "images" {
						input = "images"
					}
				case "log-configuration-options":
					input = te.Field
				}
				return nil, inputs.Errorf(input, val, "%s (service %s)", te.Reason, t.Service)
			}
			return nil, err
		}
	}
	if err := doc.Validate(); err != nil {
		return nil, inputs.Errorf("task-definition", "", "for service %s: %s", t.Service, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if doc.SameAs(ps.current) {
		ps.reuseARN = aws.ToString(ps.current.TaskDefinitionArn)
		return ps, nil
	}
	// A re-run after a rollback renders the revision registered last time:
	// reuse the family's latest revision when it is identical.
	if fam := doc.Family(); fam != "" {
		if latest, err := e.describeTD(ctx, fam); err == nil && doc.SameAs(latest.TaskDefinition) {
			ps.reuseARN = aws.ToString(latest.TaskDefinition.TaskDefinitionArn)
			return ps, nil
		}
	}
	ps.doc = doc
	return ps, nil
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

// describeServices describes services in chunks of 10 (the API's limit).
// A missing cluster is an input error naming "cluster".
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
				return nil, inputs.Errorf("cluster", cluster, "does not exist in this account and region")
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
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		if strings.Contains(c, "Throttl") || c == "RequestLimitExceeded" || c == "TooManyRequestsException" ||
			c == "ServerException" || c == "ServiceUnavailable" || c == "InternalFailure" || c == "ServiceUnavailableException" {
			return true
		}
		return strings.Contains(ae.ErrorMessage(), "Rate exceeded")
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
		if err = fn(); !retryable(err) {
			return err
		}
		if serr := e.Clock.Sleep(ctx, delay); serr != nil {
			return err
		}
		delay = min(delay*2, 20*time.Second)
	}
	return err
}

// DescribeServices describes services of a cluster, retrying throttling.
// A missing cluster is an *inputs.Error naming "cluster"; missing services
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
