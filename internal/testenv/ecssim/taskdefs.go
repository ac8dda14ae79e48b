package ecssim

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type taskDef struct {
	family   string
	revision int32
	arn      string
	def      types.TaskDefinition
	tags     []types.Tag
}

func (t *taskDef) familyRev() string { return fmt.Sprintf("%s:%d", t.family, t.revision) }

func (t *taskDef) hasContainerHealthCheck() bool {
	for _, c := range t.def.ContainerDefinitions {
		if c.HealthCheck != nil {
			return true
		}
	}
	return false
}

// fargateMemory lists the valid Fargate (Linux) memory values per cpu units.
func fargateMemoryOK(cpu, mem int) bool {
	between := func(lo, hi, step int) bool { return mem >= lo && mem <= hi && (mem-lo)%step == 0 }
	switch cpu {
	case 256:
		return mem == 512 || mem == 1024 || mem == 2048
	case 512:
		return between(1024, 4096, 1024)
	case 1024:
		return between(2048, 8192, 1024)
	case 2048:
		return between(4096, 16384, 1024)
	case 4096:
		return between(8192, 30720, 1024)
	case 8192:
		return between(16384, 61440, 4096)
	case 16384:
		return between(32768, 122880, 8192)
	}
	return false
}

// parseUnits turns "1024", "1 vCPU", "2 GB", "512 MiB" into cpu units or MiB.
func parseUnits(v string, cpu bool) (int, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	f := strings.Fields(v)
	if len(f) != 2 {
		return 0, false
	}
	x, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, false
	}
	switch {
	case cpu && f[1] == "vcpu":
		return int(x * 1024), true
	case !cpu && f[1] == "gb":
		return int(x * 1024), true
	case !cpu && (f[1] == "mb" || f[1] == "mib"):
		return int(x), true
	}
	return 0, false
}

// RegisterTaskDefinition registers a new revision of a family. Fargate
// cpu/memory pairs are validated as ECS does.
func (s *Sim) RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("RegisterTaskDefinition"); err != nil {
		return nil, err
	}
	family := deref(in.Family)
	if family == "" {
		return nil, clientErr("Family must be specified.")
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, clientErr("Container list cannot be empty.")
	}
	for i, c := range in.ContainerDefinitions {
		if deref(c.Name) == "" || deref(c.Image) == "" {
			return nil, clientErr("Container.name and Container.image should not be null or empty (container %d).", i)
		}
	}
	fargate := false
	for _, c := range in.RequiresCompatibilities {
		if c == types.CompatibilityFargate {
			fargate = true
		}
	}
	if fargate {
		if in.Cpu == nil || in.Memory == nil {
			return nil, clientErr("Fargate requires task definition to have execution role ARN to support log driver awslogs and task level cpu and memory.")
		}
		cpu, ok1 := parseUnits(*in.Cpu, true)
		mem, ok2 := parseUnits(*in.Memory, false)
		if !ok1 || !ok2 || !fargateMemoryOK(cpu, mem) {
			return nil, clientErr("No Fargate configuration exists for given values: %s CPU, %s memory. See the Amazon ECS documentation for the valid combinations.", *in.Cpu, *in.Memory)
		}
		if in.NetworkMode != "" && in.NetworkMode != types.NetworkModeAwsvpc {
			return nil, clientErr("Fargate only supports network mode 'awsvpc'.")
		}
	}
	revs := s.families[family]
	rev := int32(len(revs) + 1)
	now := s.last
	td := &taskDef{family: family, revision: rev, tags: append([]types.Tag(nil), in.Tags...)}
	td.arn = s.arn(fmt.Sprintf("task-definition/%s:%d", family, rev))
	compat := []types.Compatibility{types.CompatibilityEc2}
	if fargate || in.NetworkMode == types.NetworkModeAwsvpc {
		compat = append(compat, types.CompatibilityFargate)
	}
	td.def = types.TaskDefinition{
		Compatibilities:         compat,
		ContainerDefinitions:    in.ContainerDefinitions,
		Cpu:                     in.Cpu,
		EphemeralStorage:        in.EphemeralStorage,
		ExecutionRoleArn:        in.ExecutionRoleArn,
		Family:                  ptr(family),
		IpcMode:                 in.IpcMode,
		Memory:                  in.Memory,
		NetworkMode:             in.NetworkMode,
		PidMode:                 in.PidMode,
		PlacementConstraints:    in.PlacementConstraints,
		ProxyConfiguration:      in.ProxyConfiguration,
		RegisteredAt:            &now,
		RegisteredBy:            ptr(fmt.Sprintf("arn:aws:iam::%s:root", s.account)),
		RequiresCompatibilities: in.RequiresCompatibilities,
		Revision:                rev,
		RuntimePlatform:         in.RuntimePlatform,
		Status:                  types.TaskDefinitionStatusActive,
		TaskDefinitionArn:       ptr(td.arn),
		TaskRoleArn:             in.TaskRoleArn,
		Volumes:                 in.Volumes,
		EnableFaultInjection:    in.EnableFaultInjection,
	}
	if td.def.NetworkMode == "" {
		td.def.NetworkMode = types.NetworkModeBridge
	}
	s.families[family] = append(revs, td)
	def := td.def
	return &ecs.RegisterTaskDefinitionOutput{TaskDefinition: &def, Tags: in.Tags}, nil
}

// lookupTaskDef resolves family (latest ACTIVE), family:revision or ARN.
func (s *Sim) lookupTaskDef(ref string) *taskDef {
	if ref == "" {
		return nil
	}
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		name = ref[strings.LastIndex(ref, "/")+1:]
	}
	family, revStr, hasRev := strings.Cut(name, ":")
	revs := s.families[family]
	if !hasRev {
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].def.Status == types.TaskDefinitionStatusActive {
				return revs[i]
			}
		}
		return nil
	}
	n, err := strconv.Atoi(revStr)
	if err != nil || n < 1 || n > len(revs) {
		return nil
	}
	return revs[n-1]
}

// DescribeTaskDefinition returns a revision; a bare family resolves to its
// latest ACTIVE revision (unlike moto, which also returns INACTIVE ones).
func (s *Sim) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeTaskDefinition"); err != nil {
		return nil, err
	}
	td := s.lookupTaskDef(deref(in.TaskDefinition))
	if td == nil {
		return nil, clientErr("Unable to describe task definition.")
	}
	def := td.def
	out := &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &def}
	for _, f := range in.Include {
		if f == types.TaskDefinitionFieldTags {
			out.Tags = append([]types.Tag(nil), td.tags...)
		}
	}
	return out, nil
}

// DeregisterTaskDefinition marks a revision INACTIVE. Like ECS it succeeds
// even when a service still uses the revision (running tasks keep running);
// such calls are recorded in DeregisteredInUse.
func (s *Sim) DeregisterTaskDefinition(ctx context.Context, in *ecs.DeregisterTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DeregisterTaskDefinition"); err != nil {
		return nil, err
	}
	ref := deref(in.TaskDefinition)
	if !strings.Contains(resolveName(ref), ":") {
		return nil, clientErr("The specified task definition identifier is invalid. Specify a valid name or ARN and revision.")
	}
	td := s.lookupTaskDef(ref)
	if td == nil {
		return nil, clientErr("The specified task definition does not exist.")
	}
	if td.def.Status == types.TaskDefinitionStatusActive {
		now := s.last
		td.def.Status = types.TaskDefinitionStatusInactive
		td.def.DeregisteredAt = &now
		if s.taskDefInUse(td) {
			s.misuse = append(s.misuse, td.arn)
		}
	}
	def := td.def
	return &ecs.DeregisterTaskDefinitionOutput{TaskDefinition: &def}, nil
}

func (s *Sim) taskDefInUse(td *taskDef) bool {
	for _, c := range s.clusters {
		for _, svc := range c.services {
			for _, d := range svc.deps {
				if d.td == td {
					return true
				}
			}
			for _, t := range svc.tasks {
				if t.td == td && t.last != "STOPPED" {
					return true
				}
			}
		}
	}
	return false
}

// ListTaskDefinitions lists revision ARNs. FamilyPrefix is the full family
// name (as documented by ECS); Status defaults to ACTIVE; Sort defaults to
// ASC.
func (s *Sim) ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListTaskDefinitions"); err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = types.TaskDefinitionStatusActive
	}
	var fams []string
	for f := range s.families {
		if in.FamilyPrefix == nil || *in.FamilyPrefix == f {
			fams = append(fams, f)
		}
	}
	sort.Strings(fams)
	var arns []string
	for _, f := range fams {
		for _, td := range s.families[f] {
			if status == "ALL" || td.def.Status == status {
				arns = append(arns, td.arn)
			}
		}
	}
	if in.Sort == types.SortOrderDesc {
		for i, j := 0, len(arns)-1; i < j; i, j = i+1, j-1 {
			arns[i], arns[j] = arns[j], arns[i]
		}
	}
	page, next, err := paginate(arns, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return &ecs.ListTaskDefinitionsOutput{TaskDefinitionArns: page, NextToken: next}, nil
}

// paginate slices items by an opaque numeric token.
func paginate[T any](items []T, token *string, max *int32, def int) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*token, "sim-"))
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, invalidParam("Invalid NextToken.")
		}
		start = n
	}
	size := def
	if max != nil {
		// every List* the simulator answers takes 1 to 100 (SDK doc
		// comments of the List*Input.MaxResults fields)
		if *max < 1 || *max > 100 {
			return nil, nil, invalidParam("maxResults must be between 1 and 100, got %d.", *max)
		}
		size = int(*max)
	}
	end := start + size
	if end >= len(items) {
		return items[start:], nil, nil
	}
	return items[start:end], ptr(fmt.Sprintf("sim-%d", end)), nil
}
