package optimize

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/ecsinput"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/tfinput"
)

// Config is the validated input of one run.
type Config struct {
	Cluster     string
	Services    []string
	Environment string
	// Options are the engine's options; Region is filled in from the AWS
	// configuration when Run has loaded it.
	Options    cost.Options
	ReportFile string
	// Issue is true when the report is kept in one GitHub issue per
	// environment, with Token.
	Issue bool
	Token string
	// Terraform is the configuration the recommendations' diffs point
	// at; its Root is empty when the path input is.
	Terraform Terraform
}

// Terraform is the Terraform root and var files a run reads, where the
// workspace is (the diffs name files relative to it).
type Terraform struct {
	Root      string
	VarFiles  []string
	Workspace string
}

// maxLookback is how long CloudWatch keeps data points of a one-hour
// period, the period the report reads: 455 days.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric
const maxLookback = 455 * 24 * time.Hour

// ParseConfig checks every input before anything touches AWS.
func ParseConfig(in *inputs.Inputs, getenv func(string) string) (*Config, error) {
	cfg := &Config{Options: cost.DefaultOptions(), ReportFile: in.String("report-file")}
	var err error
	if cfg.Cluster, err = ecsinput.Cluster(in); err != nil {
		return nil, err
	}
	if cfg.Services, err = ecsinput.Services(in); err != nil {
		return nil, err
	}
	if cfg.Environment, err = in.Required("environment"); err != nil {
		return nil, err
	}
	if !validName(cfg.Environment) {
		return nil, inputs.Errorf("environment", cfg.Environment, "is not an environment name; use letters, digits, -, _ and .")
	}
	if err := parseOptions(&cfg.Options, in); err != nil {
		return nil, err
	}
	ws := outfile.FromEnv(getenv)
	if err := checkReportFile(cfg.ReportFile, ws); err != nil {
		return nil, err
	}
	if cfg.Terraform, err = parseTerraform(in, ws); err != nil {
		return nil, err
	}
	if err := parseIssue(cfg, in, getenv); err != nil {
		return nil, err
	}
	if err := awsconfig.FromInputs(in, getenv, nil).Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseOptions reads the engine's inputs into o.
func parseOptions(o *cost.Options, in *inputs.Inputs) error {
	var err error
	if o.Production, err = names(in, "production-environments"); err != nil {
		return err
	}
	if o.ScaleToZero, err = names(in, "scale-to-zero-environments"); err != nil {
		return err
	}
	// An empty input takes its default, so "none" stands for no environment.
	if len(o.ScaleToZero) == 1 && strings.EqualFold(o.ScaleToZero[0], "none") {
		o.ScaleToZero = nil
	}
	if o.Lookback, err = lookback(in); err != nil {
		return err
	}
	if o.Headroom, err = headroom(in); err != nil {
		return err
	}
	if o.WorkingHours, err = workingHours(in); err != nil {
		return err
	}
	// Every option was checked above; this holds the engine's own rules
	// to them, naming the input that is left to blame.
	if err := o.Validate(); err != nil {
		return inputs.Errorf("working-hours", in.String("working-hours"), "%v", err)
	}
	return nil
}

// names reads a list of environment names.
func names(in *inputs.Inputs, name string) ([]string, error) {
	list := in.List(name)
	for _, n := range list {
		if !validName(n) {
			return nil, inputs.Errorf(name, n, "is not an environment name; use letters, digits, -, _ and ., separated by commas or newlines")
		}
	}
	return list, nil
}

func validName(s string) bool { return envName.MatchString(s) }

var envName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

var days = regexp.MustCompile(`^([0-9]+)d$`)

// lookback reads "14d" or a Go duration, from 1 day to maxLookback.
func lookback(in *inputs.Inputs) (time.Duration, error) {
	v := in.String("lookback")
	m := days.FindStringSubmatch(v)
	if m == nil {
		d, err := in.Duration("lookback", 24*time.Hour, maxLookback)
		var ie *inputs.Error
		if errors.As(err, &ie) && strings.HasPrefix(ie.Reason, "is not a duration") {
			ie.Reason = "is not a duration; write days like 14d or hours like 336h"
		}
		return d, err
	}
	n, err := strconv.Atoi(m[1])
	if errors.Is(err, strconv.ErrRange) || err == nil && (n < 1 || time.Duration(n)*24*time.Hour > maxLookback) {
		return 0, inputs.Errorf("lookback", v, "is out of range; use 1d to %dd", int(maxLookback/(24*time.Hour)))
	}
	return time.Duration(n) * 24 * time.Hour, err
}

// headroom reads a percentage from 1 to 100 as a fraction.
func headroom(in *inputs.Inputs) (float64, error) {
	v := in.String("headroom")
	p, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || math.IsNaN(p) || p < 1 || p > 100 {
		return 0, inputs.Errorf("headroom", v, "is not a percentage from 1 to 100, such as 70")
	}
	return p / 100, nil
}

var weekdayNames = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

var hoursShape = regexp.MustCompile(`^([0-9]{1,2})(?::00)?-([0-9]{1,2})(?::00)?\s+Mon-([A-Za-z]{3})(?:\s+(\S+))?$`)

// workingHours reads "08:00-20:00 Mon-Fri UTC".
func workingHours(in *inputs.Inputs) (cost.WorkingHours, error) {
	v := in.String("working-hours")
	m := hoursShape.FindStringSubmatch(v)
	if m == nil {
		return cost.WorkingHours{}, inputs.Errorf("working-hours", v, "is not working hours; write them like 08:00-20:00 Mon-Fri UTC (whole hours, weekdays from Monday, an IANA time zone)")
	}
	w := cost.WorkingHours{TimeZone: "UTC"}
	w.Start, _ = strconv.Atoi(m[1])
	w.End, _ = strconv.Atoi(m[2])
	for i, d := range weekdayNames {
		if strings.EqualFold(d, m[3]) {
			w.Weekdays = i + 1
		}
	}
	if m[4] != "" {
		w.TimeZone = m[4]
	}
	switch {
	case w.Weekdays == 0:
		return w, inputs.Errorf("working-hours", v, "names no weekday %q; use Mon-Fri, Mon-Sat or another range from Mon to %s", m[3], strings.Join(weekdayNames[1:], ", "))
	case w.Start >= w.End || w.End > 23:
		return w, inputs.Errorf("working-hours", v, "has start %d and end %d: the start must come before the end, and the end be at most 23:00", w.Start, w.End)
	}
	if _, err := time.LoadLocation(w.TimeZone); err != nil || strings.EqualFold(w.TimeZone, "local") {
		return w, inputs.Errorf("working-hours", v, "has time zone %q, which is not an IANA time zone such as UTC or Europe/Berlin", w.TimeZone)
	}
	return w, nil
}

// parseIssue reads the issue and github-token inputs.
func parseIssue(cfg *Config, in *inputs.Inputs, getenv func(string) string) error {
	var err error
	if cfg.Issue, err = in.Bool("issue"); err != nil || !cfg.Issue {
		return err
	}
	if cfg.Token = in.String("github-token"); cfg.Token == "" {
		return inputs.Errorf("github-token", "", "is required when issue is true; pass github-token: ${{ github.token }} and grant `issues: write`")
	}
	if !strings.Contains(getenv("GITHUB_REPOSITORY"), "/") {
		return inputs.Errorf("issue", "true", "needs GITHUB_REPOSITORY (owner/name), which a GitHub Actions run sets")
	}
	return nil
}

// parseTerraform reads the path and var-files inputs, from the workspace
// like every file input (see package outfile).
func parseTerraform(in *inputs.Inputs, ws outfile.Roots) (Terraform, error) {
	path := in.String("path")
	if path == "" {
		return Terraform{}, tfinput.NeedsRoot(in)
	}
	root, err := tfinput.Root(ws, path)
	if err != nil {
		return Terraform{}, err
	}
	files, err := tfinput.VarFiles(ws, path, in.List("var-files"))
	if err != nil {
		return Terraform{}, err
	}
	return Terraform{Root: root, VarFiles: files, Workspace: ws.Workspace}, nil
}

// checkReportFile refuses a report file that is a directory or lies
// outside the roots, before any work.
func checkReportFile(path string, roots outfile.Roots) error {
	if path == "" {
		return inputs.Errorf("report-file", "", "is empty; give a file name such as optimize.json")
	}
	if st, err := os.Stat(roots.ReadPath(path)); strings.HasSuffix(path, "/") || (err == nil && st.IsDir()) {
		return inputs.Errorf("report-file", path, "is a directory; give a file name such as optimize.json")
	}
	if _, err := roots.Resolve(path); err != nil {
		return inputs.Errorf("report-file", path, "%v", err)
	}
	return nil
}

// String is the configuration as the log shows it.
func (c *Config) String() string {
	o := c.Options
	return fmt.Sprintf("cluster %s, %d services, environment %s, lookback %s, headroom %.0f %%", c.Cluster, len(c.Services), c.Environment, o.Lookback, 100*o.Headroom)
}
