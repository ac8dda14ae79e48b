package cost

import "strings"

// Kind names a kind of recommendation.
type Kind string

// The kinds of recommendation, in the order the engine applies them.
const (
	KindRightsize Kind = "rightsize"
	KindCount     Kind = "count"
	KindARM64     Kind = "arm64"
	KindSpot      Kind = "spot"
	KindSchedule  Kind = "schedule"
)

// Kinds lists every kind of recommendation in the order they are applied.
var Kinds = []Kind{KindRightsize, KindCount, KindARM64, KindSpot, KindSchedule}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Report is the engine's answer for a set of services.
type Report struct {
	// Region and PriceDate say which prices the figures use;
	// RegionAssumed is true when the region has no row of its own and
	// the default region's prices stand in for AskedRegion's.
	Region        string  `json:"region"`
	RegionAssumed bool    `json:"region_assumed"`
	AskedRegion   string  `json:"asked_region,omitempty"`
	PriceDate     string  `json:"price_date"`
	LookbackDays  float64 `json:"lookback_days"`
	Headroom      float64 `json:"headroom"`
	// Monthly is what the services cost a month today, After what they
	// would cost with every recommendation, Saving the difference.
	Monthly       float64         `json:"monthly_usd"`
	After         float64         `json:"after_usd"`
	Saving        float64         `json:"saving_usd"`
	SavingPercent float64         `json:"saving_percent"`
	Services      []ServiceReport `json:"services"`
}

// ServiceReport is one service's part of the report.
type ServiceReport struct {
	Name        string `json:"name"`
	Environment string `json:"environment"`
	Size        Pair   `json:"size"`
	Tasks       int    `json:"tasks"`
	// CPU and Memory summarise the utilisation per task (CPU units, MiB);
	// nil when the series could not be used.
	CPU    *Stat `json:"cpu,omitempty"`
	Memory *Stat `json:"memory,omitempty"`
	// Data is "ok" or "not enough data: <why>"; without data the service
	// gets no rightsizing or count recommendation.
	Data            string           `json:"data"`
	Monthly         float64          `json:"monthly_usd"`
	After           float64          `json:"after_usd"`
	Recommendations []Recommendation `json:"recommendations"`
	// Notes say why a kind of recommendation was not made when that is
	// not obvious (an image without arm64, autoscaling above its floor).
	Notes []string `json:"notes,omitempty"`
}

// Recommendation is one change to one service.
type Recommendation struct {
	Kind Kind `json:"kind"`
	// Summary says what changes, such as "cpu 2048 → 512, memory 4096 →
	// 1024".
	Summary string `json:"summary"`
	// Size is the recommended task size (rightsizing only).
	Size *Pair `json:"size,omitempty"`
	// Tasks is the recommended count (count only).
	Tasks int `json:"tasks,omitempty"`
	// MonthlySaving is what the change saves a month after the
	// recommendations before it.
	MonthlySaving float64 `json:"monthly_saving_usd"`
	Risk          string  `json:"risk"`
	Change        Change  `json:"change"`
}

// Change is the Terraform change to make: a unified diff against the lines
// that set the values, or, where no line could be found or the value is
// not a literal, a note saying what to set.
type Change struct {
	Diff string `json:"diff,omitempty"`
	Note string `json:"note,omitempty"`
}
