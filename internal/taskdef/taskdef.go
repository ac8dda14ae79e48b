// Package taskdef reads, renders, validates and compares ECS task
// definitions. It works on the task definition as ECS wire JSON (a map), so
// a field ECS adds after this build is carried through untouched instead of
// being dropped or rejected; SDK structs are derived from the map only where
// an API call needs them.
package taskdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/ecsflow/ecsflow/internal/fargate"
	"github.com/google/go-containerregistry/pkg/name"
)

// ReadOnlyKeys are the members DescribeTaskDefinition returns and
// RegisterTaskDefinition rejects. They are removed before registering.
var ReadOnlyKeys = []string{
	"compatibilities", "deleteRequestedAt", "deregisteredAt", "registeredAt",
	"registeredBy", "requiresAttributes", "revision", "status", "taskDefinitionArn",
}

// Error is a problem with the task definition document or a render option.
// Field names what was wrong ("containerDefinitions[1].image", "container
// web"), so the action can point at the input that caused it.
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

func errf(field, format string, args ...any) error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Doc is a task definition ready to register: ECS wire JSON without the
// read-only members, plus tags.
type Doc struct {
	m    map[string]any
	tags []any
}

// MaxFileSize is the largest task-definition file read, 1 MiB. ECS refuses
// a task definition larger than 64 KiB (the "task definition size" quota of
// Amazon ECS, https://docs.aws.amazon.com/general/latest/gr/ecs-service.html);
// the file is indented JSON, possibly a whole describe-task-definition
// output, so it may be several times the registered size, but a file above
// 1 MiB cannot become a valid task definition. Refusing it before decoding
// keeps a hostile 50 MB file from being parsed into half a gigabyte.
const MaxFileSize = 1 << 20

// SizeError is a task-definition file over MaxFileSize.
func SizeError(size int) error {
	return errf("", "is %d bytes; a task-definition file may be at most %d bytes (1 MiB): ECS accepts task definitions of up to 64 KiB", size, MaxFileSize)
}

// Parse reads a task-definition file. It accepts the RegisterTaskDefinition
// shape, a task definition as DescribeTaskDefinition returns it, and the
// whole describe-task-definition output ({"taskDefinition": ..., "tags": ...}).
func Parse(data []byte) (*Doc, error) {
	if len(data) > MaxFileSize {
		return nil, SizeError(len(data))
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errf("", "is not valid JSON at byte %d: %v", se.Offset, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errf("", "is not a JSON object (found a JSON %s)", te.Value)
		}
		return nil, errf("", "is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errf("", "holds more than one JSON value")
	}
	if m == nil {
		return nil, errf("", "is null, not a task definition object")
	}
	d := &Doc{}
	if inner, ok := m["taskDefinition"].(map[string]any); ok {
		if t, ok := m["tags"].([]any); ok {
			d.tags = t
		}
		m = inner
	}
	if t, ok := m["tags"].([]any); ok {
		d.tags = append(d.tags, t...)
		delete(m, "tags")
	}
	for _, k := range ReadOnlyKeys {
		delete(m, k)
	}
	d.m = m
	if err := d.checkShape(); err != nil {
		return nil, err
	}
	return d, nil
}

// FromDescribed turns a described task definition (the live revision) into
// a Doc to render and register again.
func FromDescribed(td *types.TaskDefinition, tags []types.Tag) (*Doc, error) {
	m, t, err := wireOf(td, tags)
	if err != nil {
		return nil, err
	}
	for _, k := range ReadOnlyKeys {
		delete(m, k)
	}
	return &Doc{m: m, tags: t}, nil
}

// checkShape verifies that known members have the JSON types ECS expects,
// by decoding with the SDK's own decoder, so a mistake is reported before
// any AWS call rather than as a 400 from RegisterTaskDefinition.
func (d *Doc) checkShape() error {
	if _, _, err := typedOf(d.m, d.tags); err != nil {
		return errf("", "%v", err)
	}
	return nil
}

// Clone returns a deep copy.
func (d *Doc) Clone() *Doc {
	b, _ := json.Marshal(map[string]any{"m": d.m, "t": d.tags})
	var c struct {
		M map[string]any `json:"m"`
		T []any          `json:"t"`
	}
	_ = decodeJSON(b, &c)
	return &Doc{m: c.M, tags: c.T}
}

// Map returns the wire document (without tags). Callers must not modify it.
func (d *Doc) Map() map[string]any { return d.m }

// JSON returns the document as indented JSON, tags included.
func (d *Doc) JSON() []byte {
	out := make(map[string]any, len(d.m)+1)
	for k, v := range d.m {
		out[k] = v
	}
	if len(d.tags) > 0 {
		out["tags"] = d.tags
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

// Family returns the task definition family.
func (d *Doc) Family() string { s, _ := d.m["family"].(string); return s }

// SetFamily sets the family.
func (d *Doc) SetFamily(f string) { d.m["family"] = f }

func (d *Doc) containers() []map[string]any {
	list, _ := d.m["containerDefinitions"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		if cm, ok := c.(map[string]any); ok {
			out = append(out, cm)
		}
	}
	return out
}

func (d *Doc) container(name string) map[string]any {
	for _, c := range d.containers() {
		if c["name"] == name {
			return c
		}
	}
	return nil
}

// ContainerNames lists the containers in file order.
func (d *Doc) ContainerNames() []string {
	var out []string
	for _, c := range d.containers() {
		n, _ := c["name"].(string)
		out = append(out, n)
	}
	return out
}

// Images returns container name -> image.
func (d *Doc) Images() map[string]string {
	out := map[string]string{}
	for _, c := range d.containers() {
		n, _ := c["name"].(string)
		img, _ := c["image"].(string)
		out[n] = img
	}
	return out
}

// Validate checks what RegisterTaskDefinition and Fargate would reject:
// the family, at least one container, each with a unique name and a
// parsable image, and the Fargate cpu/memory pair. It returns all problems.
func (d *Doc) Validate() error {
	var errs []error
	fam := d.Family()
	switch {
	case fam == "":
		errs = append(errs, errf("family", "is required"))
	case len(fam) > 255 || strings.IndexFunc(fam, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0:
		errs = append(errs, errf("family", "%q may hold only letters, digits, hyphens and underscores (up to 255)", fam))
	}
	list, ok := d.m["containerDefinitions"].([]any)
	if !ok || len(list) == 0 {
		errs = append(errs, errf("containerDefinitions", "is required and must list at least one container"))
	}
	seen := map[string]bool{}
	for i, c := range list {
		cm, ok := c.(map[string]any)
		field := fmt.Sprintf("containerDefinitions[%d]", i)
		if !ok {
			errs = append(errs, errf(field, "is not an object"))
			continue
		}
		n, _ := cm["name"].(string)
		if n == "" {
			errs = append(errs, errf(field+".name", "is required"))
		} else if seen[n] {
			errs = append(errs, errf(field+".name", "repeats the container name %q", n))
		}
		seen[n] = true
		img, _ := cm["image"].(string)
		if img == "" {
			errs = append(errs, errf(field+".image", "is required"))
		} else if err := CheckImage(img); err != nil {
			errs = append(errs, errf(field+".image", "%v", err))
		}
	}
	if d.isFargate() {
		if err := checkFargateSize(d.str("cpu"), d.str("memory")); err != nil {
			errs = append(errs, err)
		}
		if nm := d.str("networkMode"); nm != "" && nm != "awsvpc" {
			errs = append(errs, errf("networkMode", "is %q but Fargate requires awsvpc", nm))
		}
	}
	return errors.Join(errs...)
}

func (d *Doc) str(k string) string {
	switch v := d.m[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func (d *Doc) isFargate() bool {
	rc, _ := d.m["requiresCompatibilities"].([]any)
	for _, c := range rc {
		if c == "FARGATE" {
			return true
		}
	}
	return false
}

// CheckImage reports whether ref is a valid image reference (registry/repo
// with an optional tag and/or digest).
func CheckImage(ref string) error {
	if strings.TrimSpace(ref) != ref || ref == "" {
		return fmt.Errorf("image reference %q has surrounding spaces or is empty", ref)
	}
	if _, err := name.ParseReference(ref); err != nil {
		return fmt.Errorf("image reference %q does not parse: %v", ref, err)
	}
	return nil
}

// parseUnits reads "1024", "1 vCPU", "0.5 vcpu", "4 GB", "4096".
func parseUnits(s string, unit string, per int) (int, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, false
	}
	if strings.HasSuffix(s, unit) {
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, unit)), 64)
		if err != nil {
			return 0, false
		}
		return int(f * float64(per)), true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func checkFargateSize(cpuS, memS string) error {
	if cpuS == "" || memS == "" {
		return errf("cpu", "Fargate task definitions need task-level cpu and memory (have cpu %q, memory %q)", cpuS, memS)
	}
	cpu, ok1 := parseUnits(cpuS, "vcpu", 1024)
	mem, ok2 := parseUnits(memS, "gb", 1024)
	if !ok1 || !ok2 {
		return errf("cpu", "cpu %q / memory %q are not numbers such as 512 / 1024 or \"0.5 vCPU\" / \"1 GB\"", cpuS, memS)
	}
	r, ok := fargate.Memory(cpu)
	if !ok {
		return errf("cpu", "%q is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384", cpuS)
	}
	valid := fargate.Valid(cpu, mem)
	if !valid {
		return errf("memory", "%s MiB does not fit Fargate cpu %d; allowed %d to %d MiB", memS, cpu, r.Min, r.Max)
	}
	return nil
}

// Input returns the RegisterTaskDefinitionInput for the document. Members
// this SDK does not know are absent from the struct; RegisterOptions sends
// them anyway.
func (d *Doc) Input() (*ecs.RegisterTaskDefinitionInput, error) {
	td, tags, err := typedOf(d.m, d.tags)
	if err != nil {
		return nil, err
	}
	return &ecs.RegisterTaskDefinitionInput{
		ContainerDefinitions: td.ContainerDefinitions,
		Family:               td.Family,
		Cpu:                  td.Cpu,
		EnableFaultInjection: td.EnableFaultInjection,
		EphemeralStorage:     td.EphemeralStorage,
		ExecutionRoleArn:     td.ExecutionRoleArn,
		// A document that still names inference accelerators reaches ECS
		// as written, so ECS's own error tells the user the feature is gone.
		//lint:ignore SA1019 passed through on purpose, see above
		InferenceAccelerators:         td.InferenceAccelerators,
		IpcMode:                       td.IpcMode,
		Memory:                        td.Memory,
		NetworkMode:                   td.NetworkMode,
		PidMode:                       td.PidMode,
		PlacementConstraints:          td.PlacementConstraints,
		ProxyConfiguration:            td.ProxyConfiguration,
		RequiresCompatibilities:       td.RequiresCompatibilities,
		RuntimePlatform:               td.RuntimePlatform,
		Tags:                          tags,
		TaskRoleArn:                   td.TaskRoleArn,
		TrustedExecutionConfiguration: td.TrustedExecutionConfiguration,
		Volumes:                       td.Volumes,
	}, nil
}

// UnknownKeys lists members of the document (top level and containers) that
// this build's SDK does not model, as paths such as "containerDefinitions[0].futureKey".
func (d *Doc) UnknownKeys() []string {
	in, err := d.Input()
	if err != nil {
		return nil
	}
	known, err := registerWire(in)
	if err != nil {
		return nil
	}
	var out []string
	diffKeys("", d.m, known, &out)
	sort.Strings(out)
	return out
}

func diffKeys(prefix string, have, known any, out *[]string) {
	switch h := have.(type) {
	case map[string]any:
		k, _ := known.(map[string]any)
		for key, v := range h {
			p := key
			if prefix != "" {
				p = prefix + "." + key
			}
			kv, ok := k[key]
			if !ok {
				if !isEmpty(v) {
					*out = append(*out, p)
				}
				continue
			}
			diffKeys(p, v, kv, out)
		}
	case []any:
		k, _ := known.([]any)
		for i, v := range h {
			if i < len(k) {
				diffKeys(fmt.Sprintf("%s[%d]", prefix, i), v, k[i], out)
			}
		}
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case bool:
		return !x
	case string:
		return x == ""
	}
	return false
}

// FamilyRevision shortens a task definition ARN to family:revision, the
// form people read in logs and summaries; anything else comes back as is.
func FamilyRevision(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
