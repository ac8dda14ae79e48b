package cost

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hourly is a series of one value per hour over days, cycling through vs.
func hourly(days int, unit Unit, vs ...float64) Series {
	s := Series{Unit: unit, Period: time.Hour}
	for i := 0; i < days*24; i++ {
		s.Values = append(s.Values, vs[i%len(vs)])
	}
	return s
}

// web is a dev service of 2 vCPU / 4 GB on two x86 tasks with the given
// percent utilisation over 14 days, and its Terraform lines.
func web(env string, cpuPct, memPct float64) Service {
	return Service{
		Name: "web", Cluster: "apps", Environment: env, CPU: 2048, Memory: 4096, DesiredCount: 2,
		Usage: Usage{CPU: hourly(14, Percent, cpuPct), Memory: hourly(14, Percent, memPct)},
		Terraform: Sources{
			FieldCPU:          {File: "ecs.tf", Line: 4, Text: `  cpu    = 2048`},
			FieldMemory:       {File: "ecs.tf", Line: 5, Text: `  memory = "4096"`},
			FieldTaskBlock:    {File: "ecs.tf", Line: 1, Text: `resource "aws_ecs_task_definition" "web" {`},
			FieldDesiredCount: {File: "ecs.tf", Line: 22, Text: `  desired_count = 2`},
			FieldLaunchType:   {File: "ecs.tf", Line: 23, Text: `  launch_type   = "FARGATE"`},
			FieldServiceBlock: {File: "ecs.tf", Line: 20, Text: `resource "aws_ecs_service" "web" {`},
			FieldServiceEnd:   {File: "ecs.tf", Line: 30, Text: `}`},
		},
	}
}

// only is the default options making only the given kinds.
func only(ks ...Kind) Options {
	o := DefaultOptions()
	for _, k := range Kinds {
		if !slices.Contains(ks, k) {
			o.Skip = append(o.Skip, k)
		}
	}
	return o
}

func kinds(rs []Recommendation) []Kind {
	out := []Kind{}
	for _, r := range rs {
		out = append(out, r.Kind)
	}
	return out
}

func analyseOne(t *testing.T, s Service, o Options) ServiceReport {
	t.Helper()
	r, err := Analyse([]Service{s}, o)
	require.NoError(t, err)
	require.Len(t, r.Services, 1)
	return r.Services[0]
}

func TestRightsize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		cpuPct, memPct float64
		want           *Pair
	}{
		// 10 % of 2048 = 205 units, 10 % of 4096 = 410 MiB: 256 units at
		// 0.7 holds 179, so 512; 512 MiB at 0.7 holds 358, so 1024.
		{"idle service shrinks to the cheapest pair under 70 %", 10, 10, &Pair{512, 1024}},
		// 2 % of 2048 = 41 units, 5 % of 4096 = 205 MiB: the smallest size.
		{"nearly idle service gets the smallest size", 2, 5, &Pair{256, 512}},
		// memory-heavy: 5 % cpu (102 units) but 80 % memory (3277 MiB):
		// memory needs 4681 MiB at 0.7, so 5120, which 512 units cannot
		// take (max 4096): 1024 units.
		{"memory decides the cpu", 5, 80, &Pair{1024, 5120}},
		{"busy service keeps its size", 65, 65, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sr := analyseOne(t, web("staging", tc.cpuPct, tc.memPct), only(KindRightsize))
			var got *Pair
			for _, r := range sr.Recommendations {
				if r.Kind == KindRightsize {
					got = r.Size
				}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRightsizeKeepsObservedMaxMemory(t *testing.T) {
	t.Parallel()
	s := web("staging", 5, 5)
	// p95 of 5 % but peaks of 60 % of 4096 = 2458 MiB on 1 in 24 hours.
	s.Usage.Memory = hourly(14, Percent, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 60)
	sr := analyseOne(t, s, only(KindRightsize))
	require.Len(t, sr.Recommendations, 1)
	require.Equal(t, Pair{512, 3072}, *sr.Recommendations[0].Size)
}

func TestNotEnoughData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		usage Usage
		data  string
	}{
		{"no metrics at all", Usage{}, "not enough data: cpu: no datapoints; memory: no datapoints"},
		{"three days of fourteen", Usage{CPU: hourly(3, Percent, 1), Memory: hourly(3, Percent, 1)},
			"not enough data: cpu: 3 days of datapoints in a 14 days lookback (at least 50 % needed); memory: 3 days of datapoints in a 14 days lookback (at least 50 % needed)"},
		{"memory missing", Usage{CPU: hourly(14, Percent, 1)}, "not enough data: memory: no datapoints"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := web("staging", 0, 0)
			s.Usage = tc.usage
			sr := analyseOne(t, s, only(KindRightsize, KindCount))
			require.Equal(t, tc.data, sr.Data)
			require.Empty(t, sr.Recommendations, "a service without data must not be treated as idle")
			require.Equal(t, sr.Monthly, sr.After)
		})
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     string
		desired int
		scaling *Scaling
		tasks   Series
		cpuPct  float64
		want    int // 0: no count recommendation
	}{
		// 256-unit tasks (after rightsizing to the floor, 4 % of 2048 =
		// 82 units): 6 tasks x 82 = 492 units; at 0.7 x 256 = 179 per
		// task, 3 tasks.
		{"six tasks where three carry the load", "staging", 6, nil, Series{}, 4, 3},
		{"production keeps two tasks", "prod", 3, nil, Series{}, 1, 2},
		{"one task stays one", "staging", 1, nil, Series{}, 1, 0},
		{"autoscaling that never left its floor", "staging", 4, &Scaling{Min: 4, Max: 10}, hourly(14, Absolute, 4), 1, 1},
		{"autoscaling that scaled out keeps its floor", "staging", 4, &Scaling{Min: 4, Max: 10}, hourly(14, Absolute, 4, 6), 1, 0},
		{"autoscaling without a task count series", "staging", 4, &Scaling{Min: 4, Max: 10}, Series{}, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := web(tc.env, tc.cpuPct, 5)
			s.DesiredCount, s.Scaling, s.Usage.Tasks = tc.desired, tc.scaling, tc.tasks
			sr := analyseOne(t, s, only(KindRightsize, KindCount))
			got := 0
			for _, r := range sr.Recommendations {
				if r.Kind == KindCount {
					got = r.Tasks
				}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestARM64(t *testing.T) {
	t.Parallel()
	multi := []string{"linux/amd64", "linux/arm64"}
	cases := []struct {
		name   string
		arch   string
		images []Image
		want   bool
		note   string
	}{
		{"every image multi-arch", "", []Image{{Ref: "a", Platforms: multi}, {Ref: "b", Platforms: multi}}, true, ""},
		{"one image amd64 only", "X86_64", []Image{{Ref: "a", Platforms: multi}, {Ref: "b", Platforms: []string{"linux/amd64"}}}, false, "arm64: b lists only linux/amd64"},
		{"platforms unknown", "", []Image{{Ref: "a"}}, false, "arm64: not enough data: the platforms of a are not known"},
		{"one image unreadable", "", []Image{{Ref: "a", Platforms: multi}, {Ref: "b", Unreadable: "registry said 404"}}, false, "arm64: not enough data: the platforms of b are not known (registry said 404)"},
		{"already ARM64", "ARM64", []Image{{Ref: "a", Platforms: multi}}, false, ""},
		{"no images known", "", nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := web("prod", 60, 60)
			s.Architecture, s.Images = tc.arch, tc.images
			sr := analyseOne(t, s, only(KindARM64))
			require.Equal(t, tc.want, len(sr.Recommendations) == 1 && sr.Recommendations[0].Kind == KindARM64)
			if tc.note != "" {
				require.Contains(t, sr.Notes, tc.note)
			}
			if tc.want {
				// 20 % of two 2 vCPU / 4 GB tasks at us-east-1 prices.
				require.InDelta(t, 0.2*2*(2*0.04048+4*0.004445)*730, sr.Recommendations[0].MonthlySaving, 0.01)
			}
		})
	}
}

func TestSpot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		env       string
		os        string
		providers []CapacityProvider
		want      bool
	}{
		{"staging on FARGATE", "staging", "", nil, true},
		{"dev half on Spot", "dev", "", []CapacityProvider{{"FARGATE", 0, 1}, {"FARGATE_SPOT", 0, 1}}, true},
		{"prod never", "prod", "", nil, false},
		{"production never", "Production", "", nil, false},
		{"already all Spot", "dev", "", []CapacityProvider{{"FARGATE_SPOT", 0, 1}}, false},
		{"Windows cannot", "dev", "WINDOWS_SERVER_2022_CORE", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := web(tc.env, 60, 60)
			s.OSFamily, s.CapacityProviders = tc.os, tc.providers
			sr := analyseOne(t, s, only(KindSpot))
			require.Equal(t, tc.want, len(sr.Recommendations) == 1 && sr.Recommendations[0].Kind == KindSpot, "%+v", sr.Recommendations)
		})
	}
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		env       string
		scheduled bool
		want      bool
	}{
		{"dev", "dev", false, true},
		{"staging is not listed", "staging", false, false},
		{"dev already scheduled", "dev", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := web(tc.env, 60, 60)
			s.Scheduled = tc.scheduled
			sr := analyseOne(t, s, only(KindSchedule))
			require.Equal(t, tc.want, len(sr.Recommendations) == 1)
			if tc.want {
				// 12 h x 5 days of 168 h run: 64.3 % of the cost saved.
				require.InDelta(t, sr.Monthly*(1-60.0/168), sr.Recommendations[0].MonthlySaving, 0.01)
			}
		})
	}
}

func TestSavingsAddUp(t *testing.T) {
	t.Parallel()
	s := web("dev", 5, 5)
	s.Images = []Image{{Ref: "a", Platforms: []string{"linux/amd64", "linux/arm64"}}}
	sr := analyseOne(t, s, DefaultOptions())
	require.Equal(t, []Kind{KindRightsize, KindARM64, KindSpot, KindSchedule}, kinds(sr.Recommendations))
	sum := 0.0
	for _, r := range sr.Recommendations {
		require.Positive(t, r.MonthlySaving)
		sum += r.MonthlySaving
	}
	require.InDelta(t, sr.Monthly-sr.After, sum, 0.05)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		svc  func(*Service)
		opt  func(*Options)
		want string
	}{
		{"not a Fargate size", func(s *Service) { s.CPU, s.Memory = 256, 4096 }, nil, "service web: cpu 256 / memory 4096 is not a Fargate task size"},
		{"negative count", func(s *Service) { s.DesiredCount = -1 }, nil, "service web: desired count -1 is negative"},
		{"scaling max below min", func(s *Service) { s.Scaling = &Scaling{Min: 3, Max: 2} }, nil, "service web: autoscaling min 3 / max 2: give 0 <= min <= max"},
		{"headroom above 1", nil, func(o *Options) { o.Headroom = 70 }, "headroom 70 is out of range"},
		{"short lookback", nil, func(o *Options) { o.Lookback = time.Hour }, "lookback 1h0m0s is too short"},
		{"bad time zone", nil, func(o *Options) { o.WorkingHours.TimeZone = "Mars/Olympus" }, `time zone "Mars/Olympus" is not an IANA time zone`},
		{"unknown kind", nil, func(o *Options) { o.Skip = []Kind{"spto"} }, `recommendation kind "spto" is not known: give one of rightsize, count, arm64, spot, schedule`},
		{"hours reversed", nil, func(o *Options) { o.WorkingHours.Start, o.WorkingHours.End = 20, 8 }, "working hours 20-8 on 5 weekdays are out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, o := web("dev", 5, 5), DefaultOptions()
			if tc.svc != nil {
				tc.svc(&s)
			}
			if tc.opt != nil {
				tc.opt(&o)
			}
			_, err := Analyse([]Service{s}, o)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestBadSeries(t *testing.T) {
	t.Parallel()
	s := web("dev", 5, 5)
	s.Usage.CPU.Values[3] = -1
	sr := analyseOne(t, s, DefaultOptions())
	require.Equal(t, "not enough data: cpu: series holds a value that is not a utilisation: -1", sr.Data)
}
