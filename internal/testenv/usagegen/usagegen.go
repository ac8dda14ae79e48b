// Package usagegen writes days of utilisation for ECS services to
// CloudWatch (moto in the sandbox), so the cost report has something to
// read: hourly CPUUtilization and MemoryUtilization in AWS/ECS and
// RunningTaskCount in ECS/ContainerInsights and, for a profile with its
// task size, Container Insights' CpuUtilized, CpuReserved, MemoryUtilized
// and MemoryReserved (the service's tasks together), shaped like a service used
// in working hours: low at night and at weekends, a peak in the afternoon,
// and some noise from a fixed seed.
package usagegen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// Profile is one service's usage: CPU and memory in percent of the task's
// reservation, Low at night and High at the daily peak, and its task count.
// TaskCPU (CPU units) and TaskMemory (MiB) are the task's size; when set,
// the Container Insights shape is written too. NoServiceMetrics leaves out
// the AWS/ECS shape, as for a service whose metrics only Container
// Insights has.
type Profile struct {
	Cluster, Service    string
	CPULow, CPUHigh     float64
	MemLow, MemHigh     float64
	Tasks               int
	TaskCPU, TaskMemory int
	NoServiceMetrics    bool
}

// Point is one hour of a profile.
type Point struct {
	Time        time.Time
	CPU, Memory float64
}

// Series is days of hourly points for p ending at the hour before end.
func Series(p Profile, end time.Time, days int, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, uint64(len(p.Service))))
	end = end.Truncate(time.Hour)
	out := make([]Point, 0, days*24)
	for h := days * 24; h > 0; h-- {
		t := end.Add(-time.Duration(h) * time.Hour)
		load := dayShape(t)
		noise := 1 + 0.1*(r.Float64()-0.5)
		out = append(out, Point{
			Time:   t,
			CPU:    round1(clamp((p.CPULow + (p.CPUHigh-p.CPULow)*load) * noise)),
			Memory: round1(clamp((p.MemLow + (p.MemHigh-p.MemLow)*load) * noise)),
		})
	}
	return out
}

// dayShape is 0 at night and at weekends, rising to 1 at 14:00 UTC on
// weekdays.
func dayShape(t time.Time) float64 {
	if t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		return 0.1
	}
	h := float64(t.Hour())
	if h < 7 || h > 21 {
		return 0
	}
	return math.Max(0, math.Cos((h-14)/7*math.Pi/2))
}

func clamp(v float64) float64  { return math.Min(100, math.Max(0, v)) }
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// PutAPI is the CloudWatch call the generator makes.
type PutAPI interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// maxDatums is how many values one PutMetricData call may carry.
const maxDatums = 1000

// Put writes each profile's series and task count to CloudWatch.
func Put(ctx context.Context, api PutAPI, profiles []Profile, end time.Time, days int, seed uint64) error {
	for _, p := range profiles {
		dims := []types.Dimension{
			{Name: aws.String("ClusterName"), Value: aws.String(p.Cluster)},
			{Name: aws.String("ServiceName"), Value: aws.String(p.Service)},
		}
		var ecs, insights []types.MetricDatum
		for _, pt := range Series(p, end, days, seed) {
			if !p.NoServiceMetrics {
				ecs = append(ecs,
					datum("CPUUtilization", pt.Time, pt.CPU, types.StandardUnitPercent, dims),
					datum("MemoryUtilization", pt.Time, pt.Memory, types.StandardUnitPercent, dims))
			}
			insights = append(insights, datum("RunningTaskCount", pt.Time, float64(p.Tasks), types.StandardUnitCount, dims))
			if p.TaskCPU > 0 && p.TaskMemory > 0 {
				cpu, mem := float64(p.TaskCPU*p.Tasks), float64(p.TaskMemory*p.Tasks)
				insights = append(insights,
					datum("CpuUtilized", pt.Time, pt.CPU/100*cpu, types.StandardUnitNone, dims),
					datum("CpuReserved", pt.Time, cpu, types.StandardUnitNone, dims),
					datum("MemoryUtilized", pt.Time, pt.Memory/100*mem, types.StandardUnitMegabytes, dims),
					datum("MemoryReserved", pt.Time, mem, types.StandardUnitMegabytes, dims))
			}
		}
		if err := put(ctx, api, "AWS/ECS", ecs); err != nil {
			return err
		}
		if err := put(ctx, api, "ECS/ContainerInsights", insights); err != nil {
			return err
		}
	}
	return nil
}

func datum(name string, t time.Time, v float64, unit types.StandardUnit, dims []types.Dimension) types.MetricDatum {
	return types.MetricDatum{MetricName: aws.String(name), Timestamp: aws.Time(t), Value: aws.Float64(v), Unit: unit, Dimensions: dims}
}

func put(ctx context.Context, api PutAPI, ns string, data []types.MetricDatum) error {
	for start := 0; start < len(data); start += maxDatums {
		batch := data[start:min(start+maxDatums, len(data))]
		if _, err := api.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(ns), MetricData: batch}); err != nil {
			return fmt.Errorf("failed to put %d %s datapoints: %w", len(batch), ns, err)
		}
	}
	return nil
}

// ExampleProfiles are usage profiles for the example stack's services in
// cluster: open-webui on 2 vCPU / 4 GB busy in the afternoon, the Bedrock
// gateway moderately, mcpo nearly idle; each with tasks running. They
// write the service metrics' shape only: moto takes minutes for the
// Container Insights shape of three services on top (give a profile
// TaskCPU and TaskMemory for it).
func ExampleProfiles(cluster string, tasks int) []Profile {
	return []Profile{
		{Cluster: cluster, Service: "open-webui", CPULow: 4, CPUHigh: 22, MemLow: 30, MemHigh: 38, Tasks: tasks},
		{Cluster: cluster, Service: "bedrock-access-gateway", CPULow: 6, CPUHigh: 30, MemLow: 28, MemHigh: 40, Tasks: tasks},
		{Cluster: cluster, Service: "mcpo", CPULow: 2, CPUHigh: 6, MemLow: 22, MemHigh: 30, Tasks: tasks},
	}
}
