package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

// assertFailureImagePullFails deploys a :pullfail image to a seeded service
// of the sandbox `up` started, through the ECS API as the CLI and act do,
// and waits for its task to stop with CannotPullContainerError.
func assertFailureImagePullFails(t *testing.T, endpoint, region string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := ecs.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	cluster, service := "ecsflow-dev", "mcpo"
	svcs, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
	require.NoError(t, err)
	require.Len(t, svcs.Services, 1)
	td, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svcs.Services[0].TaskDefinition})
	require.NoError(t, err)
	d := td.TaskDefinition
	defs := d.ContainerDefinitions
	image := aws.ToString(defs[0].Image)
	defs[0].Image = aws.String(image[:strings.LastIndexAny(image, ":@")] + ":pullfail")
	reg, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: d.Family, ContainerDefinitions: defs,
		Cpu: d.Cpu, Memory: d.Memory, NetworkMode: d.NetworkMode, RequiresCompatibilities: d.RequiresCompatibilities,
		ExecutionRoleArn: d.ExecutionRoleArn, TaskRoleArn: d.TaskRoleArn})
	require.NoError(t, err)
	_, err = c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(service),
		TaskDefinition: reg.TaskDefinition.TaskDefinitionArn})
	require.NoError(t, err)
	for {
		stopped, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(service), DesiredStatus: ecstypes.DesiredStatusStopped})
		require.NoError(t, err)
		if len(stopped.TaskArns) > 0 {
			tasks, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: stopped.TaskArns})
			require.NoError(t, err)
			for _, task := range tasks.Tasks {
				if strings.Contains(aws.ToString(task.StoppedReason), "CannotPullContainerError") {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no task of %s stopped with CannotPullContainerError", aws.ToString(defs[0].Image))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The README lists exactly the failure images `up` arms.
func TestReadmeListsTheFailureImages(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `:([a-z0-9]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		documented = append(documented, m[1])
	}
	var armed []string
	for _, f := range failureImages {
		armed = append(armed, f.tag)
	}
	require.Equal(t, armed, documented)
}
