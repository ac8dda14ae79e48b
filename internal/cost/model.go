package cost

import "time"

// Service is one running ECS service as the report sees it.
type Service struct {
	// Name is the service name; Environment is the environment it belongs
	// to (dev, staging, prod, ...).
	Name        string `json:"name"`
	Cluster     string `json:"cluster"`
	Environment string `json:"environment"`
	// CPU is the task's cpu in CPU units, Memory its memory in MiB.
	CPU    int `json:"cpu"`
	Memory int `json:"memory"`
	// DesiredCount is the service's desired task count.
	DesiredCount int `json:"desired_count"`
	// Scaling is the service's Application Auto Scaling target; nil when
	// it has none.
	Scaling *Scaling `json:"scaling,omitempty"`
	// Scheduled is true when the service already has scheduled scaling
	// actions.
	Scheduled bool `json:"scheduled,omitempty"`
	// CapacityProviders is the capacity provider strategy; empty means the
	// FARGATE launch type.
	CapacityProviders []CapacityProvider `json:"capacity_providers,omitempty"`
	// Architecture is the task's runtime_platform cpu_architecture
	// (X86_64 when empty); OSFamily its operating system family (LINUX
	// when empty).
	Architecture string `json:"architecture,omitempty"`
	OSFamily     string `json:"os_family,omitempty"`
	// Images are the task's container images with the platforms their
	// manifests list, when known.
	Images []Image `json:"images,omitempty"`
	// Usage is the measured utilisation.
	Usage Usage `json:"usage"`
	// Terraform says where the configuration sets each value.
	Terraform Sources `json:"terraform,omitempty"`
}

// Scaling is a service's Application Auto Scaling target.
type Scaling struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// CapacityProvider is one item of a capacity provider strategy.
type CapacityProvider struct {
	Name   string `json:"name"`
	Base   int    `json:"base,omitempty"`
	Weight int    `json:"weight"`
}

// Image is a container image and the platforms ("linux/amd64",
// "linux/arm64") its index lists. Platforms is nil when unknown;
// Unreadable then says why when the registry was asked and could not
// answer.
type Image struct {
	Ref        string   `json:"ref"`
	Platforms  []string `json:"platforms,omitempty"`
	Unreadable string   `json:"unreadable,omitempty"`
}

// Usage is the utilisation measured over the lookback.
type Usage struct {
	CPU    Series `json:"cpu"`
	Memory Series `json:"memory"`
	// Tasks is the running task count; empty when not measured.
	Tasks Series `json:"tasks"`
}

// Unit says how a series' values are expressed.
type Unit string

// Units of a utilisation series: Percent of the task's reservation (the
// service's CPUUtilization and MemoryUtilization metrics) or Absolute CPU
// units and MiB (Container Insights' CpuUtilized and MemoryUtilized).
const (
	Percent  Unit = "percent"
	Absolute Unit = "absolute"
)

// Series is one metric over the lookback, one value per period (the
// per-period average across the service's tasks).
type Series struct {
	Unit   Unit          `json:"unit,omitempty"`
	Period time.Duration `json:"period,omitempty"`
	Values []float64     `json:"values,omitempty"`
}

// Sources says where the Terraform configuration sets each value the
// recommendations change. A missing key means it is not set in the
// configuration (or was not found).
type Sources map[Field]Setting

// Field names a value a recommendation changes.
type Field string

// Fields a recommendation can change. ServiceBlock and TaskBlock point at
// the first line of the resource block, ServiceEnd at its closing brace.
const (
	FieldCPU          Field = "cpu"
	FieldMemory       Field = "memory"
	FieldDesiredCount Field = "desired_count"
	FieldMinCapacity  Field = "min_capacity"
	FieldLaunchType   Field = "launch_type"
	FieldProvider     Field = "capacity_provider"
	FieldArchitecture Field = "cpu_architecture"
	FieldServiceBlock Field = "service"
	FieldServiceEnd   Field = "service_end"
	FieldTaskBlock    Field = "task_definition"
)

// Setting is one line of the configuration: its file, its 1-based line
// and its text as written. Attr names the attribute on the line when it is
// not the line's first (an object written on one line: "{ min_count = 1,
// max_count = 2 }"). Shared is true when the line sets the value for other
// environments too (a local or a default, not an environment's var-file).
type Setting struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Attr   string `json:"attr,omitempty"`
	Shared bool   `json:"shared,omitempty"`
}
