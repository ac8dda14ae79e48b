// Command dora prints the DORA metrics of one environment from the
// deployment ledger (the DynamoDB table deploy-ecs and rollback write),
// measured against the project's targets. The phase 3 DORA workflow runs it;
// it also works from a laptop with AWS credentials.
//
//	go run ./cmd/dora --table ecsflow-deployments --cluster ecsflow-prod \
//	    --services open-webui,bedrock-access-gateway,mcpo --environment prod --since 720h
//
// Lead time needs the commits' times: run it inside a clone of the
// application repository (or pass --repo) deep enough to hold them.
// Output: markdown on stdout (and appended to $GITHUB_STEP_SUMMARY inside
// Actions) and, with --json, the report as JSON. Exit 0 whether targets are
// met or not unless --fail-on-miss; 2 for bad flags; 3 when the ledger
// cannot be read.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/dora"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	newDB := func(ctx context.Context, region string) (ledger.DynamoDB, error) {
		cfg, err := awsconfig.Load(ctx, awsconfig.Options{Region: region, Getenv: os.Getenv})
		if err != nil {
			return nil, err
		}
		return dynamodb.NewFromConfig(cfg), nil
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, time.Now, newDB))
}

type options struct {
	table, cluster, environment, region, repo, jsonPath string
	services                                            []string
	since                                               time.Duration
	failOnMiss                                          bool
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("dora", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.table, "table", "", "ledger table (required)")
	fs.StringVar(&o.cluster, "cluster", "", "ECS cluster (required)")
	services := fs.String("services", "", "services, comma separated (required)")
	fs.StringVar(&o.environment, "environment", "", "environment name shown in the report")
	fs.StringVar(&o.region, "region", "", "AWS region (default AWS_REGION)")
	fs.DurationVar(&o.since, "since", 30*24*time.Hour, "window, ending now")
	fs.StringVar(&o.repo, "repo", ".", "git clone that holds the deployed commits (lead time)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&o.failOnMiss, "fail-on-miss", false, "exit 1 when a target is not met")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(*services, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.services = append(o.services, s)
		}
	}
	switch {
	case o.table == "":
		return o, errors.New("--table is required: the DynamoDB ledger table deploy-ecs writes (input ledger-table)")
	case o.cluster == "":
		return o, errors.New("--cluster is required")
	case len(o.services) == 0:
		return o, errors.New("--services is required: one or more service names, comma separated")
	case o.since <= 0:
		return o, fmt.Errorf("--since %s is not a positive duration (e.g. 720h for 30 days)", o.since)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time,
	newDB func(ctx context.Context, region string) (ledger.DynamoDB, error)) int {
	o, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return 2
		}
		return 0
	}
	db, err := newDB(ctx, o.region)
	if err != nil {
		fmt.Fprintf(stderr, "error: failed to set up AWS: %v\n", err)
		return 3
	}
	l := &ledger.Ledger{DB: db, Table: o.table}
	var records []ledger.Record
	for _, svc := range o.services {
		h, err := l.History(ctx, o.cluster, svc, 0)
		if err != nil {
			fmt.Fprintf(stderr, "error: %v; check the table name and that the role may dynamodb:Query it\n", err)
			return 3
		}
		records = append(records, h...)
	}
	to := now().UTC()
	rep := dora.Compute(records, gitCommitTime(o.repo), to.Add(-o.since), to)
	rep.Environment = o.environment
	md := rep.Markdown(dora.DefaultTargets)
	fmt.Fprint(stdout, md)
	if p := getenv("GITHUB_STEP_SUMMARY"); p != "" {
		if err := appendFile(p, md); err != nil {
			fmt.Fprintf(stderr, "error: failed to write the step summary: %v\n", err)
			return 3
		}
	}
	if o.jsonPath != "" {
		data, _ := json.MarshalIndent(struct {
			dora.Report
			Met map[string]bool `json:"met"`
		}{rep, rep.Met(dora.DefaultTargets)}, "", "  ")
		if err := os.WriteFile(o.jsonPath, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "error: failed to write %s: %v\n", o.jsonPath, err)
			return 3
		}
	}
	if o.failOnMiss {
		for _, ok := range rep.Met(dora.DefaultTargets) {
			if !ok {
				return 1
			}
		}
	}
	return 0
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// gitCommitTime reads a commit's committer time from the clone at repo.
func gitCommitTime(repo string) dora.CommitTime {
	cache := map[string]time.Time{}
	return func(sha string) (time.Time, bool) {
		if t, ok := cache[sha]; ok {
			return t, !t.IsZero()
		}
		out, err := exec.Command("git", "-C", repo, "show", "-s", "--format=%ct", sha+"^{commit}").Output()
		var t time.Time
		if err == nil {
			if sec, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); perr == nil {
				t = time.Unix(sec, 0).UTC()
			}
		}
		cache[sha] = t
		return t, !t.IsZero()
	}
}
