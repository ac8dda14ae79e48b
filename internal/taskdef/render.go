package taskdef

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// KV is one name=value pair, in input order.
type KV struct{ Key, Value string }

// Render says what to change in one container, with the same meaning as the
// inputs of aws-actions/amazon-ecs-render-task-definition: variables,
// secrets and labels with an existing name are replaced, new ones appended;
// Command replaces the command; a log driver replaces the log configuration
// and options are merged into it.
type Render struct {
	Container    string
	Image        string
	Environment  []KV
	Secrets      []KV // name=valueFrom (a Secrets Manager or SSM parameter ARN)
	DockerLabels []KV
	Command      []string
	LogDriver    string
	LogOptions   []KV
}

// Apply renders r into the document. An unknown container is an *Error
// whose Field is "container-name".
func (d *Doc) Apply(r Render) error {
	c := d.container(r.Container)
	if c == nil {
		return errf("container-name", "container %q is not in task definition family %q; it has %s",
			r.Container, d.Family(), strings.Join(quoteAll(d.ContainerNames()), ", "))
	}
	if r.Image != "" {
		if err := CheckImage(r.Image); err != nil {
			return errf("image", "%v", err)
		}
		c["image"] = r.Image
	}
	if len(r.Environment) > 0 {
		c["environment"] = mergeNamed(c["environment"], r.Environment, "value")
	}
	if len(r.Secrets) > 0 {
		c["secrets"] = mergeNamed(c["secrets"], r.Secrets, "valueFrom")
	}
	if len(r.DockerLabels) > 0 {
		labels, _ := c["dockerLabels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		for _, kv := range r.DockerLabels {
			labels[kv.Key] = kv.Value
		}
		c["dockerLabels"] = labels
	}
	if len(r.Command) > 0 {
		cmd := make([]any, len(r.Command))
		for i, s := range r.Command {
			cmd[i] = s
		}
		c["command"] = cmd
	}
	if r.LogDriver != "" || len(r.LogOptions) > 0 {
		lc, _ := c["logConfiguration"].(map[string]any)
		if lc == nil || (r.LogDriver != "" && lc["logDriver"] != r.LogDriver) {
			lc = map[string]any{}
		}
		if r.LogDriver != "" {
			lc["logDriver"] = r.LogDriver
		}
		if lc["logDriver"] == nil {
			return errf("log-configuration-options", "options need a log driver; set log-configuration-log-driver (for example awslogs)")
		}
		if len(r.LogOptions) > 0 {
			opts, _ := lc["options"].(map[string]any)
			if opts == nil {
				opts = map[string]any{}
			}
			for _, kv := range r.LogOptions {
				opts[kv.Key] = kv.Value
			}
			lc["options"] = opts
		}
		c["logConfiguration"] = lc
	}
	return nil
}

func mergeNamed(existing any, kvs []KV, valueKey string) []any {
	list, _ := existing.([]any)
	for _, kv := range kvs {
		replaced := false
		for _, e := range list {
			if em, ok := e.(map[string]any); ok && em["name"] == kv.Key {
				em[valueKey] = kv.Value
				replaced = true
			}
		}
		if !replaced {
			list = append(list, map[string]any{"name": kv.Key, valueKey: kv.Value})
		}
	}
	return list
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// SameAs reports whether registering the document would create a revision
// identical to td (ignoring the read-only members and the defaults ECS fills
// in), so the existing revision can be reused. A document with members this
// SDK cannot compare is never the same.
func (d *Doc) SameAs(td *types.TaskDefinition) bool {
	if td == nil || len(d.UnknownKeys()) > 0 {
		return false
	}
	other, err := FromDescribed(td, nil)
	if err != nil {
		return false
	}
	in, err := d.Input()
	if err != nil {
		return false
	}
	in.Tags = nil // tags are not part of a revision's content
	a, err := registerWire(in)
	if err != nil {
		return false
	}
	oin, err := other.Input()
	if err != nil {
		return false
	}
	b, err := registerWire(oin)
	if err != nil {
		return false
	}
	return reflect.DeepEqual(normalize(a, ""), normalize(b, ""))
}

// normalize drops empty members and fills the defaults ECS applies, so a
// described revision and the file that registered it compare equal.
func normalize(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := normalize(e, k); n != nil {
				out[k] = n
			}
		}
		if key == "containerDefinitions" || strings.HasPrefix(key, "containerDefinitions") {
			if _, ok := out["essential"]; !ok {
				out["essential"] = true
			}
		}
		if key == "portMappings" {
			if _, ok := out["protocol"]; !ok {
				out["protocol"] = "tcp"
			}
			if _, ok := out["hostPort"]; !ok {
				out["hostPort"] = out["containerPort"]
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if n := normalize(e, key); n != nil {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			return nil
		}
		if key == "environment" || key == "secrets" {
			sort.Slice(out, func(i, j int) bool {
				return fmt.Sprint(out[i].(map[string]any)["name"]) < fmt.Sprint(out[j].(map[string]any)["name"])
			})
		}
		return out
	case json.Number:
		f, _ := x.Float64()
		if f == 0 {
			return nil
		}
		return f
	case float64:
		if x == 0 {
			return nil
		}
		return x
	case bool:
		if key == "essential" {
			return x
		}
		if !x {
			return nil
		}
		return x
	case string:
		if x == "" {
			return nil
		}
		return x
	}
	return v
}

// RegisterOptions returns client options that make RegisterTaskDefinition
// send the whole document, members unknown to this SDK included. Without
// unknown members it returns nil and the SDK's own encoding is used. Fakes
// and simulators ignore client options, which is fine: they see the typed input.
func (d *Doc) RegisterOptions() []func(*ecs.Options) {
	if len(d.UnknownKeys()) == 0 {
		return nil
	}
	body := map[string]any{}
	for k, v := range d.m {
		body[k] = v
	}
	if len(d.tags) > 0 {
		body["tags"] = d.tags
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil
	}
	return []func(*ecs.Options){func(o *ecs.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Build.Add(middleware.BuildMiddlewareFunc("ecsflowRawTaskDefinition",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						nr, err := req.SetStream(bytes.NewReader(raw))
						if err != nil {
							return middleware.BuildOutput{}, middleware.Metadata{}, err
						}
						nr.ContentLength = int64(len(raw))
						in.Request = nr
					}
					return next.HandleBuild(ctx, in)
				}), middleware.Before)
		})
	}}
}
