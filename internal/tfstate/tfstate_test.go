package tfstate_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

func TestParseRejectsWhatIsNotState(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, doc, want string }{
		{"empty", "", "empty"},
		{"yaml", "version: 4", "not a JSON object"},
		{"plan json", `{"format_version":"1.2","planned_values":{}}`, `no "version"`},
		{"v3", `{"version":3,"modules":[]}`, "format version 3"},
		{"v5", `{"version":5,"resources":[]}`, "format version 5"},
		{"broken", `{"version":4,`, "invalid JSON"},
		{"resource without type", `{"version":4,"resources":[{"name":"x"}]}`, "no type or name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tfstate.Parse([]byte(tc.doc))
			var fe *tfstate.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a FormatError with %q", err, tc.want)
			}
		})
	}
}

func TestManagedAddressesSkipDataAndTainted(t *testing.T) {
	t.Parallel()
	st, err := tfstate.Load(context.Background(), tfstate.Location{Path: "testdata/module.tfstate"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range st.Managed() {
		got = append(got, o.Address+" "+o.Config+" "+o.ID())
	}
	want := []string{
		"aws_lb_target_group.tg[0] aws_lb_target_group.tg arn:tg/0",
		`module.app.aws_ecs_service.svc["api"] module.app.aws_ecs_service.svc arn:svc/api`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if st.Managed()[1].String("desired_count") != "2" {
		t.Errorf("numbers must keep their text")
	}
}

func TestLoadMissingFileIsNotFound(t *testing.T) {
	t.Parallel()
	_, err := tfstate.Load(context.Background(), tfstate.Location{Path: "testdata/nope.tfstate"}, nil)
	if !errors.Is(err, tfstate.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseLocation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    tfstate.Location
		wantErr string
	}{
		{"s3://b/k/terraform.tfstate", tfstate.Location{Bucket: "b", Key: "k/terraform.tfstate"}, ""},
		{"./terraform.tfstate", tfstate.Location{Path: "./terraform.tfstate"}, ""},
		{"s3://b", tfstate.Location{}, "s3://bucket/key"},
		{"s3://b/dir/", tfstate.Location{}, "s3://bucket/key"},
		{"https://x/y", tfstate.Location{}, "unsupported scheme"},
	}
	for _, tc := range cases {
		got, err := tfstate.ParseLocation(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v", tc.in, got, err)
		}
	}
}

func TestBackendWithPartialConfigAndWorkspaces(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS("testdata")
	cases := []struct {
		env, ws string
		want    string
		wantErr string
	}{
		{"prod", "", "s3://tfstate-prod/app/terraform.tfstate", ""},
		{"prod", "default", "s3://tfstate-prod/app/terraform.tfstate", ""},
		{"prod", "blue", "s3://tfstate-prod/ws/blue/app/terraform.tfstate", ""},
		{"dev", "", "", "has no bucket"},
		{"", "", "", "has no bucket"},
	}
	for _, tc := range cases {
		b, err := tfstate.ReadBackend(fsys, "root", tc.env)
		if err != nil {
			t.Fatalf("%s: %v", tc.env, err)
		}
		loc, err := b.Location(tc.ws)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s/%s: err = %v", tc.env, tc.ws, err)
			}
			continue
		}
		if err != nil || loc.String() != tc.want {
			t.Errorf("%s/%s: got %s, %v; want %s", tc.env, tc.ws, loc, err, tc.want)
		}
		if loc.Region != "eu-west-1" {
			t.Errorf("region = %q", loc.Region)
		}
	}
	_, err := tfstate.ReadBackend(fsys, "root/modules/app", "prod")
	var nb *tfstate.NoBackendError
	if !errors.As(err, &nb) {
		t.Errorf("module dir: err = %v, want NoBackendError", err)
	}
}

func TestIgnoreChangesFromHCLAndLocalModules(t *testing.T) {
	t.Parallel()
	ic, err := tfstate.ReadIgnoreChanges(os.DirFS("testdata"), "root")
	if err != nil {
		t.Fatal(err)
	}
	want := tfstate.IgnoreChanges{
		"aws_ecs_service.web":               {"desired_count", "tags.LastDeploy", "task_definition"},
		"aws_cloudwatch_metric_alarm.noisy": {"*"},
		"module.app.aws_ecs_service.worker": {"network_configuration.assign_public_ip"},
	}
	if !reflect.DeepEqual(ic, want) {
		t.Fatalf("got %v\nwant %v", ic, want)
	}
	cases := []struct {
		config, attr string
		want         bool
	}{
		{"aws_ecs_service.web", "desired_count", true},
		{"aws_ecs_service.web", "tags.LastDeploy", true},
		{"aws_ecs_service.web", "tags.Owner", false},
		{"aws_ecs_service.web", "launch_type", false},
		{"aws_cloudwatch_metric_alarm.noisy", "threshold", true},
		{"aws_lb.main", "internal", false},
		{"module.app.aws_ecs_service.worker", "network_configuration.assign_public_ip", true},
	}
	for _, tc := range cases {
		if got := ic.Ignored(tc.config, tc.attr); got != tc.want {
			t.Errorf("Ignored(%s, %s) = %v", tc.config, tc.attr, got)
		}
	}
}

func TestReadVarFiles(t *testing.T) {
	t.Parallel()
	vars, err := tfstate.ReadVarFiles(os.DirFS("testdata"), []string{"root/dev.tfvars"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"environment": "dev", "aws_region": "us-west-2", "replicas": "3"}
	if !reflect.DeepEqual(vars, want) {
		t.Fatalf("got %v", vars)
	}
}
