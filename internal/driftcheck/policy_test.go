package driftcheck_test

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/ecsflow/ecsflow/internal/drift"
)

// The read-only IAM policy in the README grants every call the scanner can
// make: each method of drift's per-service interfaces.
func TestReadmePolicyCoversEveryScannerCall(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../actions/drift-check/README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## IAM policy \\(read-only\\).*?```json\n(.*?)```").FindSubmatch(data)
	if block == nil {
		t.Fatal("README has no read-only IAM policy JSON block")
	}
	var policy struct {
		Statement []struct {
			Action []string
		}
	}
	if err := json.Unmarshal(block[1], &policy); err != nil {
		t.Fatalf("the README policy is not valid JSON: %v", err)
	}
	granted := map[string]bool{}
	for _, st := range policy.Statement {
		for _, a := range st.Action {
			granted[a] = true
		}
	}
	prefixes := map[reflect.Type]string{
		reflect.TypeOf((*drift.ECSAPI)(nil)).Elem():         "ecs",
		reflect.TypeOf((*drift.ELBAPI)(nil)).Elem():         "elasticloadbalancing",
		reflect.TypeOf((*drift.EC2API)(nil)).Elem():         "ec2",
		reflect.TypeOf((*drift.ECRAPI)(nil)).Elem():         "ecr",
		reflect.TypeOf((*drift.LogsAPI)(nil)).Elem():        "logs",
		reflect.TypeOf((*drift.CloudWatchAPI)(nil)).Elem():  "cloudwatch",
		reflect.TypeOf((*drift.IAMAPI)(nil)).Elem():         "iam",
		reflect.TypeOf((*drift.AutoscalingAPI)(nil)).Elem(): "application-autoscaling",
		reflect.TypeOf((*drift.DiscoveryAPI)(nil)).Elem():   "servicediscovery",
	}
	var missing []string
	for typ, prefix := range prefixes {
		for i := 0; i < typ.NumMethod(); i++ {
			if a := prefix + ":" + typ.Method(i).Name; !granted[a] {
				missing = append(missing, a)
			}
		}
	}
	for _, a := range []string{"s3:GetObject", "dynamodb:Query"} {
		if !granted[a] {
			missing = append(missing, a)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("the README policy lacks %v", missing)
	}
}
