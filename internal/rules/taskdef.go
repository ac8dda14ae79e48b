package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ecsflow/ecsflow/internal/taskdef"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// fargateSizes lists the valid Fargate (Linux) task sizes: cpu units to
// the memory range in MiB and its step.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
var fargateSizes = map[int]struct{ min, max, step int }{
	256:   {512, 2048, 0}, // 512, 1024, 2048
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// ValidFargateSize reports whether cpu units and memory MiB are a Fargate
// task size.
func ValidFargateSize(cpu, mem int) bool {
	s, ok := fargateSizes[cpu]
	if !ok {
		return false
	}
	if cpu == 256 {
		return mem == 512 || mem == 1024 || mem == 2048
	}
	return mem >= s.min && mem <= s.max && (mem-s.min)%s.step == 0
}

func fargateAllowed(cpu int) string {
	switch cpu {
	case 256:
		return "512, 1024 or 2048"
	}
	if s, ok := fargateSizes[cpu]; ok {
		return fmt.Sprintf("%d to %d in steps of %d", s.min, s.max, s.step)
	}
	return ""
}

func (in *Input) taskDefs() []*taskDef {
	if in.tdsDone {
		return in.tds
	}
	in.tdsDone = true
	if in.Tree != nil {
		for _, m := range in.Tree.Modules {
			services := m.ResourcesOfType("aws_ecs_service")
			for _, b := range m.ResourcesOfType("aws_ecs_task_definition") {
				for _, inst := range m.Eval.Instances(b) {
					in.tds = append(in.tds, tfTaskDef(m, b, inst, services))
				}
			}
		}
	}
	for _, f := range in.TaskDefs {
		in.tds = append(in.tds, jsonTaskDef(f))
	}
	return in.tds
}

func tfTaskDef(m *tfparse.Module, b *tfparse.Block, inst *tfparse.Instance, services []*tfparse.Block) *taskDef {
	td := &taskDef{address: inst.Address(), block: b, inst: inst, file: b.File.Path, src: b.File.Src}
	td.cpu, td.cpuKnown = knownString(inst, b, "cpu")
	td.memory, td.memKnown = knownString(inst, b, "memory")
	td.sizeRange = rangeOf(b, "cpu")
	if compat, ok := knownStrings(inst, b, "requires_compatibilities"); ok {
		td.fargate = contains(compat, "FARGATE")
	}
	td.networkMode, _ = knownString(inst, b, "network_mode")
	if rp := inst.NestedBlock(b, "runtime_platform"); rp != nil {
		td.arch, _ = knownString(inst, rp, "cpu_architecture")
		td.os, _ = knownString(inst, rp, "operating_system_family")
		td.archRange, td.osRange = rangeOf(rp, "cpu_architecture"), rangeOf(rp, "operating_system_family")
	}
	if a := b.Attr("execution_role_arn"); a != nil {
		td.execRole = roleKey(inst, b.File, a.Expr)
		td.roleRange = a.Range
	}
	if a := b.Attr("task_role_arn"); a != nil {
		td.taskRole = roleKey(inst, b.File, a.Expr)
	}
	// CI-owned: Terraform registers the first revision only.
	td.ciOwned = ignores(b, "container_definitions")
	for _, s := range services {
		if refersTo(s, "task_definition", "aws_ecs_task_definition", b.Name()) && ignores(s, "task_definition") {
			td.ciOwned = true
		}
	}
	if a := b.Attr("container_definitions"); a != nil {
		td.containers = containersFromTree(inst.Tree(a.Expr))
		td.containers.src = b.File.Src
		td.containers.base = a.Range
	}
	return td
}

// roleKey identifies a role expression: its value when known, else the
// resource it refers to, else its source text.
func roleKey(inst *tfparse.Instance, f *tfparse.File, expr hcl.Expression) string {
	v := inst.Eval(expr)
	if v.IsWhollyKnown() && !v.IsNull() && v.Type().FriendlyName() == "string" {
		return "value:" + v.AsString()
	}
	for _, tr := range expr.Variables() {
		if strings.HasPrefix(tr.RootName(), "aws_iam_role") && len(tr) >= 2 {
			if at, ok := tr[1].(hcl.TraverseAttr); ok {
				key := "ref:" + tr.RootName() + "." + at.Name
				// aws_iam_role.task[each.key]: the index makes roles differ
				// per instance; keep the source text to compare them.
				return key + "|" + exprText(f, expr)
			}
		}
	}
	return "text:" + exprText(f, expr)
}

func jsonTaskDef(f TaskDefFile) *taskDef {
	td := &taskDef{address: displayPath(f.Path), file: displayPath(f.Path), src: f.Src}
	whole := hcl.Range{Filename: td.file, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}
	td.sizeRange, td.archRange, td.osRange, td.roleRange = whole, whole, whole, whole
	var doc map[string]any
	if len(f.Src) > taskdef.MaxFileSize {
		td.containers = containerSet{known: true, invalid: taskdef.SizeError(len(f.Src)).Error(), base: whole}
		return td
	}
	if err := json.Unmarshal(f.Src, &doc); err != nil {
		td.containers = containerSet{known: true, invalid: "not a valid task definition JSON document: " + err.Error(), base: whole}
		return td
	}
	cs := containerSet{src: f.Src, base: hcl.Range{Filename: td.file, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1, Byte: len(f.Src)}}}
	loc := func(key string) hcl.Range { return cs.locate(`"` + key + `"`) }
	if s, ok := jsonScalar(doc["cpu"]); ok {
		td.cpu, td.cpuKnown = s, true
		td.sizeRange = loc("cpu")
	}
	if s, ok := jsonScalar(doc["memory"]); ok {
		td.memory, td.memKnown = s, true
	}
	for _, c := range treeList(doc["requiresCompatibilities"]) {
		if c == "FARGATE" {
			td.fargate = true
		}
	}
	td.networkMode, _ = doc["networkMode"].(string)
	if rp := treeMap(doc["runtimePlatform"]); rp != nil {
		td.arch, _ = rp["cpuArchitecture"].(string)
		td.os, _ = rp["operatingSystemFamily"].(string)
		td.archRange, td.osRange = loc("cpuArchitecture"), loc("operatingSystemFamily")
	}
	if s, ok := doc["executionRoleArn"].(string); ok {
		td.execRole = "value:" + s
		td.roleRange = loc("executionRoleArn")
	}
	if s, ok := doc["taskRoleArn"].(string); ok {
		td.taskRole = "value:" + s
	}
	// A task-definition file in the repository is what CI registers: it is
	// CI-owned, and deploy-ecs sets the image it built (a bare name is a
	// placeholder). An explicit :latest is still reported (see EF204).
	td.jsonFile = true
	defs, ok := doc["containerDefinitions"].([]any)
	if !ok {
		cs.known, cs.invalid = true, "task definition has no containerDefinitions list"
		td.containers = cs
		return td
	}
	parsed := containersFromTree(normaliseJSON(defs))
	parsed.src, parsed.base = cs.src, cs.base
	td.containers = parsed
	return td
}

func normaliseJSON(v any) any {
	b, _ := json.Marshal(v)
	out, _ := tfparse.DecodeJSONTree(string(b))
	return out
}

func jsonScalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return fmt.Sprintf("%g", x), true
	}
	return "", false
}
