package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
)

func TestStackSummaryNamesEveryCluster(t *testing.T) {
	t.Parallel()
	svc := func(cluster, name string) sandbox.Service {
		return sandbox.Service{Name: name, ARN: "arn:aws:ecs:eu-central-1:123456789012:service/" + cluster + "/" + name}
	}
	cases := []struct {
		name     string
		services []sandbox.Service
		want     string
	}{
		{name: "one cluster", services: []sandbox.Service{svc("shop-dev", "api"), svc("shop-dev", "worker")},
			want: "seeded stack infra: cluster shop-dev with api, worker in eu-central-1; state at s3://b/k"},
		{name: "two clusters", services: []sandbox.Service{svc("app-dev", "app"), svc("app-prod", "app")},
			want: "seeded stack infra: clusters app-dev with app, app-prod with app in eu-central-1; state at s3://b/k"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &sandbox.Stack{Cluster: clusterOf(tc.services[0].ARN), Region: "eu-central-1",
				StateBucket: "b", StateKey: "k", Services: tc.services}
			assert.Equal(t, tc.want, stackSummary("infra", st))
		})
	}
}
