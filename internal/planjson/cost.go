package planjson

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// HoursPerMonth is the month AWS uses for monthly estimates.
const HoursPerMonth = 730

// Price is the Fargate (Linux) list price in USD in one region.
type Price struct {
	VCPUHour float64 // per vCPU-hour, x86_64
	GBHour   float64 // per GB-hour, x86_64
}

// ARMDiscount is the share ARM64 (Graviton) tasks cost less than x86_64.
const ARMDiscount = 0.20

// prices are Fargate on-demand Linux/x86 list prices per region (USD,
// https://aws.amazon.com/fargate/pricing/). They change rarely; the
// estimate is a review aid, not a bill.
var prices = map[string]Price{
	"us-east-1": {0.04048, 0.004445}, "us-east-2": {0.04048, 0.004445},
	"us-west-1": {0.04656, 0.00511}, "us-west-2": {0.04048, 0.004445},
	"ca-central-1": {0.04456, 0.004865}, "eu-west-1": {0.04048, 0.004445},
	"eu-west-2": {0.04656, 0.00511}, "eu-west-3": {0.04656, 0.00511},
	"eu-central-1": {0.04656, 0.00511}, "eu-north-1": {0.04445, 0.004865},
	"ap-southeast-1": {0.05056, 0.00553}, "ap-southeast-2": {0.04856, 0.00532},
	"ap-northeast-1": {0.05056, 0.00553}, "ap-south-1": {0.04256, 0.00465},
	"sa-east-1": {0.0696, 0.0076},
}

// PriceDate is when the prices above were read from the pricing page; a
// report that quotes them says so.
const PriceDate = "2026-11-26"

// DefaultRegion is used when the plan does not tell the region.
const DefaultRegion = "us-east-1"

// PriceFor returns the price in region, falling back to DefaultRegion.
func PriceFor(region string) (Price, string) {
	if p, ok := prices[region]; ok {
		return p, region
	}
	return prices[DefaultRegion], DefaultRegion
}

// ServiceCost is the monthly cost of one Fargate service before and after
// the plan.
type ServiceCost struct {
	Address string  `json:"address"`
	Before  Usage   `json:"before"`
	After   Usage   `json:"after"`
	Delta   float64 `json:"delta_usd"`
}

// Usage is a service's running size.
type Usage struct {
	Tasks    int     `json:"tasks"`
	VCPU     float64 `json:"vcpu"`
	MemoryGB float64 `json:"memory_gb"`
	ARM      bool    `json:"arm64"`
	Monthly  float64 `json:"monthly_usd"`
}

// CostDelta is the plan's effect on the monthly Fargate bill.
type CostDelta struct {
	Region         string        `json:"region"`
	RegionAssumed  bool          `json:"region_assumed"`
	Before         float64       `json:"before_usd"`
	After          float64       `json:"after_usd"`
	Delta          float64       `json:"delta_usd"`
	Services       []ServiceCost `json:"services"`
	Unknown        []string      `json:"unknown,omitempty"`
	VCPUHoursDelta float64       `json:"vcpu_hours_delta"`
	GBHoursDelta   float64       `json:"gb_hours_delta"`
}

// FargateCost estimates the monthly cost change of the plan's ECS services
// (desired count x task size x hours x list price). Services whose size
// or count is unknown until apply are listed in Unknown.
func (p *Plan) FargateCost() CostDelta {
	region, ok := p.Region()
	price, used := PriceFor(region)
	cd := CostDelta{Region: used, RegionAssumed: !ok || used != region}
	taskDefs := map[string]*ResourceChange{}
	for i := range p.ResourceChanges {
		rc := &p.ResourceChanges[i]
		if rc.Type == "aws_ecs_task_definition" && rc.Mode != "data" {
			taskDefs[rc.Address] = rc
		}
	}
	refs := p.serviceTaskDefRefs()
	for i := range p.ResourceChanges {
		rc := &p.ResourceChanges[i]
		if rc.Type != "aws_ecs_service" || rc.Mode == "data" || !onFargate(rc) {
			continue
		}
		td := findTaskDef(rc, refs, taskDefs)
		if td == nil {
			cd.Unknown = append(cd.Unknown, rc.Address)
			continue
		}
		before, okB := usage(rc.Change.Before, td.Change.Before)
		after, okA := usage(rc.Change.After, td.Change.After)
		if (!okB && rc.Change.Before != nil) || (!okA && rc.Change.After != nil) {
			cd.Unknown = append(cd.Unknown, rc.Address)
			continue
		}
		before.Monthly = monthly(before, price)
		after.Monthly = monthly(after, price)
		sc := ServiceCost{Address: rc.Address, Before: before, After: after, Delta: round2(after.Monthly - before.Monthly)}
		cd.Services = append(cd.Services, sc)
		cd.Before += before.Monthly
		cd.After += after.Monthly
		cd.VCPUHoursDelta += (float64(after.Tasks)*after.VCPU - float64(before.Tasks)*before.VCPU) * HoursPerMonth
		cd.GBHoursDelta += (float64(after.Tasks)*after.MemoryGB - float64(before.Tasks)*before.MemoryGB) * HoursPerMonth
	}
	cd.Before, cd.After = round2(cd.Before), round2(cd.After)
	cd.Delta = round2(cd.After - cd.Before)
	sort.Slice(cd.Services, func(i, j int) bool { return cd.Services[i].Address < cd.Services[j].Address })
	return cd
}

func monthly(u Usage, p Price) float64 {
	f := 1.0
	if u.ARM {
		f = 1 - ARMDiscount
	}
	return round2(float64(u.Tasks) * (u.VCPU*p.VCPUHour + u.MemoryGB*p.GBHour) * f * HoursPerMonth)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// serviceTaskDefRefs maps service config addresses (without instance
// keys) to the task definition address their task_definition refers to.
func (p *Plan) serviceTaskDefRefs() map[string]string {
	out := map[string]string{}
	var walk func(prefix string, m ConfigModule)
	walk = func(prefix string, m ConfigModule) {
		for _, r := range m.Resources {
			if r.Type != "aws_ecs_service" {
				continue
			}
			for _, ref := range r.Expressions["task_definition"].References {
				if strings.HasPrefix(ref, "aws_ecs_task_definition.") {
					ref = strings.TrimSuffix(ref, ".arn")
					ref = strings.TrimSuffix(ref, ".arn_without_revision")
					if i := strings.Index(ref, "["); i > 0 {
						ref = ref[:i]
					}
					out[prefix+r.Address] = prefix + ref
					break
				}
			}
		}
		for name, mc := range m.ModuleCalls {
			walk(prefix+"module."+name+".", mc.Module)
		}
	}
	walk("", p.Configuration.RootModule)
	return out
}

func findTaskDef(svc *ResourceChange, refs map[string]string, tds map[string]*ResourceChange) *ResourceChange {
	base := svc.Address
	key := ""
	if i := strings.LastIndex(base, "["); i > 0 && strings.HasSuffix(base, "]") {
		base, key = base[:i], base[i:]
	}
	td, ok := refs[base]
	if !ok {
		// A lone task definition goes with a lone service.
		if len(tds) == 1 {
			for _, v := range tds {
				return v
			}
		}
		return nil
	}
	if rc, ok := tds[td+key]; ok {
		return rc
	}
	return tds[td]
}

func usage(svc, td any) (Usage, bool) {
	s, ok1 := svc.(map[string]any)
	t, ok2 := td.(map[string]any)
	if !ok1 || !ok2 {
		return Usage{}, false
	}
	count, ok := s["desired_count"].(float64)
	if !ok {
		return Usage{}, false
	}
	cpu, ok := ParseCPU(fmt.Sprint(t["cpu"]))
	if !ok {
		return Usage{}, false
	}
	mem, ok := ParseMemory(fmt.Sprint(t["memory"]))
	if !ok {
		return Usage{}, false
	}
	u := Usage{Tasks: int(count), VCPU: float64(cpu) / 1024, MemoryGB: float64(mem) / 1024}
	if rp, ok := t["runtime_platform"].([]any); ok && len(rp) > 0 {
		if m, ok := rp[0].(map[string]any); ok {
			u.ARM = strings.EqualFold(fmt.Sprint(m["cpu_architecture"]), "ARM64")
		}
	}
	return u, true
}

// ParseCPU reads a task cpu value in CPU units: "1024", "1 vCPU", "0.5 vcpu".
func ParseCPU(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	lower := strings.ToLower(s)
	if v, ok := strings.CutSuffix(lower, "vcpu"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil {
			return int(math.Round(f * 1024)), true
		}
	}
	return 0, false
}

// ParseMemory reads a task memory value in MiB: "2048", "2 GB", "2gb".
func ParseMemory(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	lower := strings.ToLower(s)
	if v, ok := strings.CutSuffix(lower, "gb"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil {
			return int(math.Round(f * 1024)), true
		}
	}
	return 0, false
}

// onFargate is false for services that run on EC2 or external instances
// (their cost is the instances', not Fargate's).
func onFargate(rc *ResourceChange) bool {
	for _, v := range []any{rc.Change.Before, rc.Change.After} {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if lt, ok := m["launch_type"].(string); ok && (lt == "EC2" || lt == "EXTERNAL") {
			return false
		}
	}
	return true
}
