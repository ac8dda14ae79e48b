package rollback

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/deploy"
)

// The check-mode policy, one row per situation.
func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := deploy.ManualClock{NowFunc: func() time.Time { return now }, Advance: func(time.Duration) {}}
	r := &Roller{Clock: clock}
	opts := CheckOptions{BelowDesiredFor: 5 * time.Minute, StuckAfter: 30 * time.Minute, RecentDeploy: time.Hour}
	svc := func(running, desired int32, state types.DeploymentRolloutState, deployedAgo, steadyAgo time.Duration) types.Service {
		s := types.Service{ServiceName: aws.String("web"), TaskDefinition: aws.String("arn:td/web:3"), RunningCount: running, DesiredCount: desired,
			Deployments: []types.Deployment{{Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"), RolloutState: state,
				CreatedAt: aws.Time(now.Add(-deployedAgo)), UpdatedAt: aws.Time(now.Add(-deployedAgo))}}}
		if steadyAgo > 0 {
			s.Events = []types.ServiceEvent{{CreatedAt: aws.Time(now.Add(-steadyAgo)), Message: aws.String("(service web) has reached a steady state.")}}
		}
		return s
	}
	cases := []struct {
		name     string
		s        types.Service
		firing   []string
		action   string
		escalate bool
	}{
		{"healthy", svc(2, 2, types.DeploymentRolloutStateCompleted, 3*time.Hour, time.Minute), nil, "none", false},
		{"failed deployment", svc(2, 2, types.DeploymentRolloutStateFailed, 10*time.Minute, 0), nil, "rollback", false},
		{"stuck deployment", svc(2, 2, types.DeploymentRolloutStateInProgress, 45*time.Minute, 0), nil, "rollback", false},
		{"young deployment in progress", svc(1, 2, types.DeploymentRolloutStateInProgress, 2*time.Minute, 3*time.Minute), nil, "none", false},
		{"below desired too long", svc(1, 3, types.DeploymentRolloutStateCompleted, 5*time.Hour, 20*time.Minute), nil, "redeploy", false},
		{"below desired briefly", svc(1, 3, types.DeploymentRolloutStateCompleted, 5*time.Hour, 2*time.Minute), nil, "none", false},
		{"alarm after a recent deployment", svc(2, 2, types.DeploymentRolloutStateCompleted, 20*time.Minute, time.Minute), []string{"web-5xx"}, "rollback", false},
		{"alarm on an old revision", svc(2, 2, types.DeploymentRolloutStateCompleted, 3*time.Hour, time.Minute), []string{"web-5xx"}, "none", true},
	}
	for _, tc := range cases {
		f := r.Check(tc.s, opts, tc.firing)
		assert.Equal(t, tc.action, f.Action, tc.name)
		assert.Equal(t, tc.escalate, f.Escalate, tc.name)
		assert.Equal(t, tc.action == "none" && !tc.escalate, len(f.Problems) == 0, "%s: %v", tc.name, f.Problems)
	}
}
