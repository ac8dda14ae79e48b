// Package ecsinput reads the inputs that name ECS resources and that
// deploy-ecs and rollback share, the cluster and the service list, so both
// actions accept the same values and say the same thing about bad ones.
// Nothing here calls AWS.
package ecsinput

import (
	"regexp"

	"github.com/ecsflow/ecsflow/internal/inputs"
)

var (
	// A cluster name or ARN.
	// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html
	clusterRe = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/)?[A-Za-z0-9_-]{1,255}$`)
	// A service name.
	// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
	serviceRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$`)
)

// Cluster reads the required cluster input: a cluster name or ARN.
func Cluster(in *inputs.Inputs) (string, error) {
	cluster, err := in.Required("cluster")
	if err != nil {
		return "", err
	}
	if !clusterRe.MatchString(cluster) {
		return "", inputs.Errorf("cluster", cluster, "is not a cluster name (letters, digits, - and _) or cluster ARN")
	}
	return cluster, nil
}

// Services reads the required service input: one or more service names,
// each listed once, in the order given.
func Services(in *inputs.Inputs) ([]string, error) {
	if _, err := in.Required("service"); err != nil {
		return nil, err
	}
	services := in.List("service")
	seen := map[string]bool{}
	for _, s := range services {
		if !serviceRe.MatchString(s) {
			return nil, inputs.Errorf("service", s, "is not a service name (letters, digits, - and _, up to 255)")
		}
		if seen[s] {
			return nil, inputs.Errorf("service", s, "is listed twice")
		}
		seen[s] = true
	}
	return services, nil
}

// NotFound is the bad-input error for an ECS resource the deploy engine did
// not find (deploy.NotFoundError, given here by its fields so that this
// package stays free of the engine): a cluster in where (the account and
// region), a service in cluster, or a task definition revision.
func NotFound(kind, name, cluster, where string) error {
	switch kind {
	case "cluster":
		return inputs.Errorf("cluster", name, "does not exist in %s; check the cluster name and the region (aws-region or AWS_REGION)", where)
	case "service":
		return inputs.Errorf("service", name, "does not exist in cluster %q; check the service name and the cluster", cluster)
	}
	return inputs.Errorf("task-definition", name, "is not a registered task definition revision")
}
