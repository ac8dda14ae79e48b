package deploy

import "fmt"

// NotFoundError is an AWS resource a plan names that does not exist, found
// by Prepare or DescribeServices before anything changed. The engine names
// no action input: the action that built the plan knows which of its
// inputs named the resource and turns this into its bad-input error.
type NotFoundError struct {
	// Kind is "cluster", "service" or "task definition".
	Kind string
	// Name is the cluster or service name, or the task definition revision.
	Name string
	// Cluster is the cluster a service was looked for in.
	Cluster string
	// Where is the account and region a cluster was looked for in, as
	// Engine.Where says it.
	Where string
}

func (e *NotFoundError) Error() string {
	switch e.Kind {
	case "cluster":
		return fmt.Sprintf("cluster %q does not exist in %s", e.Name, e.Where)
	case "service":
		return fmt.Sprintf("service %q does not exist in cluster %q", e.Name, e.Cluster)
	}
	return fmt.Sprintf("%s %q is not registered", e.Kind, e.Name)
}
