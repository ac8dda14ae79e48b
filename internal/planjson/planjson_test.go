package planjson

import (
	"math"
	"os"
	"strings"
	"testing"
)

func load(t *testing.T) *Plan {
	t.Helper()
	b, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSummary(t *testing.T) {
	t.Parallel()
	total, byType := load(t).Summary()
	if total != (Counts{Create: 5, Update: 1, Replace: 1, Delete: 2}) {
		t.Errorf("total %+v", total)
	}
	if len(byType) != 2 || byType[0].Type != "aws_ecs_service" || byType[0].Counts != (Counts{Create: 3, Update: 1, Delete: 1}) ||
		byType[1].Counts != (Counts{Create: 2, Replace: 1, Delete: 1}) {
		t.Errorf("by type %+v", byType)
	}
}

func TestDestructive(t *testing.T) {
	t.Parallel()
	var got []string
	for _, rc := range load(t).Destructive() {
		got = append(got, rc.Address)
	}
	// Task definitions are not critical (revisions are kept); the deleted
	// service is.
	if strings.Join(got, ",") != `aws_ecs_service.svc["gone"]` {
		t.Errorf("destructive: %v", got)
	}
}

func TestFargateCost(t *testing.T) {
	t.Parallel()
	cd := load(t).FargateCost()
	if cd.Region != "us-east-1" || cd.RegionAssumed {
		t.Errorf("region %s assumed=%v", cd.Region, cd.RegionAssumed)
	}
	// us-east-1: $0.04048 per vCPU-hour, $0.004445 per GB-hour, 730 h,
	// ARM64 20 % cheaper.
	month := func(tasks, vcpu, gb, f float64) float64 {
		return math.Round(tasks*(vcpu*0.04048+gb*0.004445)*f*730*100) / 100
	}
	appBefore, appAfter := month(2, 0.5, 1, 0.8), month(3, 1, 2, 0.8)
	newAfter, goneBefore := month(1, 0.25, 0.5, 1), month(2, 1, 2, 1)
	want := map[string]float64{
		"aws_ecs_service.app":         appAfter - appBefore,
		`aws_ecs_service.svc["new"]`:  newAfter,
		`aws_ecs_service.svc["gone"]`: -goneBefore,
	}
	if len(cd.Services) != 3 {
		t.Fatalf("services %+v", cd.Services)
	}
	for _, s := range cd.Services {
		if math.Abs(s.Delta-want[s.Address]) > 0.011 {
			t.Errorf("%s delta %.2f, want %.2f", s.Address, s.Delta, want[s.Address])
		}
	}
	if math.Abs(cd.Before-(appBefore+goneBefore)) > 0.011 || math.Abs(cd.After-(appAfter+newAfter)) > 0.011 {
		t.Errorf("before %.2f after %.2f", cd.Before, cd.After)
	}
	if math.Abs(cd.Delta-(cd.After-cd.Before)) > 0.011 || cd.Delta >= 0 {
		t.Errorf("delta %.2f", cd.Delta)
	}
	// (3 x 1 - 2 x 0.5) + 0.25 - 2 x 1 vCPU = 0.25 vCPU more, every hour.
	if math.Abs(cd.VCPUHoursDelta-0.25*730) > 0.001 {
		t.Errorf("vCPU-hours %.2f", cd.VCPUHoursDelta)
	}
	// aws_ecs_service.on_ec2 runs on EC2: not part of the Fargate bill.
	if len(cd.Unknown) != 1 || cd.Unknown[0] != "aws_ecs_service.later" {
		t.Errorf("unknown %v", cd.Unknown)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{`, `[]`, `{"resource_changes": []}`, `not json`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

func TestParseSizes(t *testing.T) {
	t.Parallel()
	cpu := map[string]int{"256": 256, "1 vCPU": 1024, "0.5 vcpu": 512, "16 vCPU": 16384}
	for s, want := range cpu {
		if got, ok := ParseCPU(s); !ok || got != want {
			t.Errorf("ParseCPU(%q) = %d %v", s, got, ok)
		}
	}
	mem := map[string]int{"512": 512, "2 GB": 2048, "0.5gb": 512, "120 GB": 122880}
	for s, want := range mem {
		if got, ok := ParseMemory(s); !ok || got != want {
			t.Errorf("ParseMemory(%q) = %d %v", s, got, ok)
		}
	}
	if _, ok := ParseCPU("lots"); ok {
		t.Error("ParseCPU accepted garbage")
	}
}

func TestPriceFallback(t *testing.T) {
	t.Parallel()
	if _, r := PriceFor("mars-1"); r != DefaultRegion {
		t.Errorf("fallback region %s", r)
	}
}
