package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/fargate"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
)

type demo struct {
	out     io.Writer
	root    string
	binDir  string
	verbose bool

	sb    *sandbox.Sandbox
	stack *sandbox.Stack
	work  string
	n     int
	rows  []row
}

// row is one line of the final table.
type row struct {
	step, action, what string
	want, got          int
	missing            bool
	dur                time.Duration
	note               string
}

// result is what one action run did.
type result struct {
	code    int
	output  string
	outputs map[string]string
	dur     time.Duration
	missing bool
}

const (
	bar   = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━"
	limit = 40 // output lines shown per action unless verbose
)

func (d *demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

func (d *demo) section(title, what string) {
	d.n++
	d.printf("\n%s\n %d. %s\n%s\n", bar, d.n, title, bar)
	for _, l := range wrap(what, 76) {
		d.printf("   %s\n", l)
	}
	d.printf("\n")
}

func (d *demo) run(ctx context.Context) int {
	var err error
	d.work, err = os.MkdirTemp("", "ecsflow-demo-")
	if err != nil {
		d.printf("error: %v\n", err)
		return 3
	}
	defer os.RemoveAll(d.work)

	d.printf("ecsflow demo: the pipeline against a local stand-in for AWS (no account, no Docker)\n")
	d.printf("action binaries: %s\n", d.binDir)
	if err := d.startSandbox(ctx); err != nil {
		d.printf("\nerror: %v\n", err)
		return 3
	}
	defer d.sb.Stop()

	d.validate(ctx)
	images := d.buildPush(ctx)
	d.deploy(ctx, images)
	d.brokenDeploy(ctx, images)
	d.drift(ctx)
	d.rollbackCheck(ctx)
	d.optimize(ctx)
	return d.table()
}

func (d *demo) startSandbox(ctx context.Context) error {
	d.section("sandbox: start the local AWS stand-in and seed the example stack",
		"moto answers the AWS APIs, a real OCI registry takes the image layers, and the ECS rollout "+
			"simulator (20x real time) makes deployments progress, fail and roll back as on AWS. "+
			"The seed creates what examples/open-webui/terraform describes.")
	start := time.Now()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		return err
	}
	d.sb = sb
	d.printf("   AWS endpoint   %s (moto + ECS simulator), up in %s\n", sb.Endpoint, since(start))
	d.printf("   OCI registry   %s (%s)\n", sb.RegistryHost, sb.RegistryKind)
	seedStart := time.Now()
	st, err := sb.Seed(ctx, sandbox.SeedOptions{TaskDefinitionsDir: filepath.Join(d.root, "examples", "open-webui", "task-definitions")})
	if err != nil {
		return err
	}
	d.stack = st
	d.printf("   seeded in %s:\n", since(seedStart))
	d.printf("     cluster        %s (%s)\n", st.Cluster, st.Region)
	for _, s := range st.Services {
		d.printf("     service        %-24s %s, port %d, %d alarms\n", s.Name, short(s.TaskDefinitionARN), s.Port, len(s.Alarms))
	}
	d.printf("     ECR            %s\n", strings.Join(repos(st), ", "))
	d.printf("     load balancer  %s (listeners 80 → 443, rule → blue target group)\n", st.Cluster)
	d.printf("     state          s3://%s/%s (the stack's Terraform state), lock table %s, ledger table %s\n", st.StateBucket, st.StateKey, st.LockTable, st.LedgerTable)
	d.rows = append(d.rows, row{step: fmt.Sprint(d.n), action: "sandbox", what: "start and seed", dur: since(start), note: sb.Endpoint})
	return nil
}

func repos(st *sandbox.Stack) []string {
	var out []string
	for _, s := range st.Services {
		out = append(out, s.Repository)
	}
	return out
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

func short(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// bin returns the path of an action's binary, or "".
func (d *demo) bin(action string) string {
	for _, n := range []string{"ecsflow-" + action, action} {
		p := filepath.Join(d.binDir, n)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// action runs one action binary with the sandbox environment, prints its
// output, and returns what it did. want is the expected exit code.
func (d *demo) action(ctx context.Context, action, what string, want int, args ...string) result {
	path := d.bin(action)
	if path == "" {
		d.printf("   ecsflow-%s is not built yet (no %s/ecsflow-%s): skipped\n", action, d.binDir, action)
		d.rows = append(d.rows, row{step: fmt.Sprint(d.n), action: action, what: what, want: want, missing: true, note: "not built yet"})
		return result{missing: true, code: -1}
	}
	outFile := filepath.Join(d.work, fmt.Sprintf("outputs-%d-%d", d.n, len(d.rows)))
	d.printf("   $ ecsflow-%s %s\n", action, quoteArgs(args))
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = d.root
	cmd.Env = append(cleanEnv(), d.sb.Env()...)
	cmd.Env = append(cmd.Env, "GITHUB_OUTPUT="+outFile)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := result{output: string(out), dur: since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code = -1
		r.output += "\n" + err.Error()
	}
	max := limit
	if d.verbose {
		max = 0
	}
	for _, l := range lines(r.output, max) {
		d.printf("   │ %s\n", l)
	}
	r.outputs = readOutputs(outFile)
	verdict := "as expected"
	if r.code != want {
		verdict = fmt.Sprintf("UNEXPECTED: wanted exit %d", want)
	}
	d.printf("   → exit %d (%s) in %s, %s\n", r.code, meaning(r.code), r.dur, verdict)
	d.rows = append(d.rows, row{step: fmt.Sprint(d.n), action: action, what: what, want: want, got: r.code, dur: r.dur})
	return r
}

func (d *demo) note(s string) {
	if len(d.rows) > 0 {
		d.rows[len(d.rows)-1].note = s
	}
}

func meaning(code int) string {
	switch code {
	case 0:
		return "ok"
	case 1:
		return "negative verdict"
	case 2:
		return "bad input"
	case 3:
		return "failure"
	}
	return "did not run"
}

func quoteArgs(args []string) string {
	var b []string
	for _, a := range args {
		if strings.Contains(a, "\n") {
			// bash's $'...' keeps a multi-line value on one line.
			r := strings.NewReplacer(`\`, `\\`, "'", `\'`, "\n", `\n`)
			b = append(b, "$'"+r.Replace(a)+"'")
			continue
		}
		if strings.ContainsAny(a, " '\"$>") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		b = append(b, a)
	}
	return strings.Join(b, " ")
}

// cleanEnv is this process's environment without anything that would point
// the actions at real AWS or make them believe they run inside Actions.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "INPUT_") ||
			strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "ACTIONS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// readOutputs parses a $GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER heredocs.
func readOutputs(path string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out
}

func (d *demo) validate(ctx context.Context) {
	d.section("validate: check the example Terraform and task definitions",
		"Parses examples/open-webui/terraform without providers and checks structure, pinned "+
			"versions, remote state with locking, GitOps hygiene and the task definitions; writes SARIF.")
	r := d.action(ctx, "validate", "example Terraform", 0,
		"--path", "examples/open-webui/terraform",
		"--task-definitions", "examples/open-webui/task-definitions/*.json",
		"--sarif-file", filepath.Join(d.work, "validate.sarif"))
	if !r.missing {
		d.note(fmt.Sprintf("findings=%s errors=%s", or(r.outputs["findings"], "?"), or(r.outputs["errors"], "?")))
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// buildPush builds the three example images and returns service → image.
func (d *demo) buildPush(ctx context.Context) map[string]string {
	d.section("build-push: build the three images and push them to the local registry",
		"buildah builds each examples/open-webui/services/<name> context (FROM scratch, no internet); "+
			"the layers go to the OCI registry and ECR (moto) records the image under immutable tags.")
	images := map[string]string{}
	for _, svc := range d.stack.Services {
		r := d.action(ctx, "build-push", svc.Name, 0,
			"--context", "examples/open-webui/services/"+svc.Name,
			"--repository", svc.Repository,
			"--registry", d.sb.RegistryHost,
			"--ecr", "true",
			"--tags", "sha,demo")
		if r.missing {
			break
		}
		if img := r.outputs["image"]; img != "" {
			images[svc.Name] = img
			d.note(shortDigest(r.outputs["digest"]))
		}
		d.printf("\n")
	}
	return images
}

func (d *demo) imagesInput(images map[string]string, only ...string) string {
	var b []string
	for _, svc := range d.stack.Services {
		if len(only) > 0 && !contains(only, svc.Name) {
			continue
		}
		if img, ok := images[svc.Name]; ok {
			b = append(b, svc.Name+"="+img)
		}
	}
	return strings.Join(b, "\n")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d *demo) deploy(ctx context.Context, images map[string]string) {
	d.section("deploy-ecs: deploy the three services in waves",
		"Renders the new images into each service's live task definition, registers them, and deploys "+
			"bedrock-access-gateway and mcpo together, then open-webui; waits for each rollout, "+
			"records it in the deployment ledger and holds a per-service lock meanwhile.")
	if len(images) < len(d.stack.Services) {
		d.printf("   build-push did not produce all three images; deploying the seeded images with a forced new deployment\n")
	}
	args := []string{
		"--cluster", d.stack.Cluster,
		"--service", strings.Join(sandbox.ServiceNames, "\n"),
		"--order", "bedrock-access-gateway,mcpo > open-webui",
		"--ledger-table", d.stack.LedgerTable,
		"--environment", d.stack.Environment,
		"--timeout", "10m",
	}
	if in := d.imagesInput(images); in != "" {
		args = append(args, "--images", in)
	} else {
		args = append(args, "--force-new-deployment", "true")
	}
	r := d.action(ctx, "deploy-ecs", "3 services in 2 waves", 0, args...)
	if !r.missing {
		d.note("status=" + or(r.outputs["status"], "?"))
	}
}

func (d *demo) brokenDeploy(ctx context.Context, images map[string]string) {
	d.section("deploy-ecs: a broken image is rolled back automatically",
		"open-webui gets an image whose pull fails (the simulator makes every task with it stop with "+
			"CannotPullContainerError). The circuit breaker trips, the deployment is rolled back to the "+
			"revision deployed above, and the action exits 1 explaining why.")
	svc, _ := d.stack.Service("open-webui")
	broken := d.sb.RegistryHost + "/" + svc.Repository + ":broken"
	if sim := d.sb.ECS(d.stack.Region); sim != nil {
		sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: broken})
	}
	r := d.action(ctx, "deploy-ecs", "broken open-webui image", 1,
		"--cluster", d.stack.Cluster,
		"--service", "open-webui",
		"--container-name", "open-webui",
		"--image", broken,
		"--ledger-table", d.stack.LedgerTable,
		"--environment", d.stack.Environment,
		"--timeout", "10m")
	if !r.missing {
		d.note("status=" + or(r.outputs["status"], "?"))
	}
	if sim := d.sb.ECS(d.stack.Region); sim != nil {
		sim.ClearFaults()
	}
	d.ledger(ctx)
}

// ledger shows what deploy-ecs recorded in the deployment ledger.
func (d *demo) ledger(ctx context.Context) {
	db := dynamodb.NewFromConfig(d.sb.AWSConfig(ctx))
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(d.stack.LedgerTable)})
	if err != nil {
		d.printf("\n   ledger %s: %v\n", d.stack.LedgerTable, err)
		return
	}
	deploys := 0
	for _, it := range out.Items {
		if sk, ok := it["sk"].(*ddbtypes.AttributeValueMemberS); ok && strings.HasPrefix(sk.Value, "deploy#") {
			deploys++
		}
	}
	d.printf("\n   ledger %s now holds %d deployment records (items: %d), for DORA metrics and rollback's last-known-good\n",
		d.stack.LedgerTable, deploys, len(out.Items))
}

func (d *demo) drift(ctx context.Context) {
	st := d.stack
	state := "s3://" + st.StateBucket + "/" + st.StateKey
	d.section("drift-check: find changes made behind Terraform's back",
		"The seed wrote the Terraform state of the example stack to "+state+", where "+
			"examples/open-webui/terraform/backend/dev.s3.tfbackend points. drift-check reads it from the "+
			"Terraform root and compares it with the live stack deployed above: first clean (the revisions "+
			"deploy-ecs rolled out are in the ledger and in ignore_changes, so they are not drift), then after "+
			"someone opens SSH to the world on the ALB's security group and deletes an alarm by hand.")
	args := []string{
		"--path", "examples/open-webui/terraform",
		"--environment", st.Environment,
		"--ledger-table", st.LedgerTable,
	}
	r := d.action(ctx, "drift-check", "example stack, clean", 0, args...)
	if r.missing {
		return
	}
	d.note(fmt.Sprintf("drifted=%s coverage=%s", or(r.outputs["drifted"], "?"), or(r.outputs["coverage"], "?")))

	mcpo, _ := st.Service("mcpo")
	alarm := st.Cluster + "-mcpo-cpu-high"
	for _, a := range mcpo.Alarms {
		if strings.HasSuffix(a, "-cpu-high") {
			alarm = a
		}
	}
	sg := st.SecurityGroups["alb"]
	d.printf("\n   behind Terraform's back: open port 22 to 0.0.0.0/0 on %s (%s-alb), delete alarm %s\n\n", sg, st.Cluster, alarm)
	clients := drifttest.NewClients(d.sb.AWSConfig(ctx), cloudwatchclient.Options(d.sb.Getenv)...)
	if err := drifttest.OpenIngress(ctx, clients, sg, 22, "0.0.0.0/0"); err != nil {
		d.printf("   could not change the security group: %v\n", err)
	}
	if err := drifttest.DeleteAlarm(ctx, clients, alarm); err != nil {
		d.printf("   could not delete the alarm: %v\n", err)
	}
	r = d.action(ctx, "drift-check", "after manual changes", 1, args...)
	if !r.missing {
		d.note(fmt.Sprintf("drifted=%s changed=%s missing=%s", or(r.outputs["drifted"], "?"), or(r.outputs["changed"], "?"), or(r.outputs["missing"], "?")))
	}
}

func (d *demo) rollbackCheck(ctx context.Context) {
	d.section("rollback: check the services and roll one back by hand",
		"Check mode looks for services below their desired count, alarms in ALARM and failed or stuck "+
			"deployments, and heals only when needed: after the automatic rollback all is well. Then mcpo "+
			"is rolled back on purpose to its previous revision, which rollback reads from ECS's deployment history.")
	r := d.action(ctx, "rollback", "check mode", 0,
		"--cluster", d.stack.Cluster,
		"--service", strings.Join(sandbox.ServiceNames, "\n"),
		"--mode", "check")
	if !r.missing {
		d.note("rolled-back=" + or(r.outputs["rolled-back"], "?"))
	}
	d.printf("\n")
	r = d.action(ctx, "rollback", "mcpo to previous", 0,
		"--cluster", d.stack.Cluster,
		"--service", "mcpo",
		"--to", "previous",
		"--reason", "demo: manual rollback")
	if !r.missing {
		d.note(fmt.Sprintf("rolled-back=%s %s", or(r.outputs["rolled-back"], "?"), short(r.outputs["task-definition-arn"])))
	}
}

func (d *demo) optimize(ctx context.Context) {
	st := d.stack
	d.section("optimize: what the example stack could cost less",
		"14 days of generated usage (busy afternoons, quiet nights and weekends) go to CloudWatch for the "+
			"services deployed above; optimize reads what runs and that usage, and recommends smaller sizes, "+
			"Spot and scale-to-zero for dev, each with its monthly saving, its risk and a diff against the "+
			"Terraform line that sets the value.")
	cfg := d.sb.AWSConfig(ctx)
	cfg.Region = st.Region
	cw := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(d.sb.Getenv)...)
	if err := usagegen.Put(ctx, cw, usagegen.ExampleProfiles(st.Cluster, 2), time.Now(), 14, 1); err != nil {
		d.printf("   could not write the usage: %v\n", err)
	}
	report := filepath.Join(d.work, "optimize.json")
	r := d.action(ctx, "optimize", "example stack, 14 days", 0,
		"--cluster", st.Cluster,
		"--service", strings.Join(sandbox.ServiceNames, ","),
		"--environment", st.Environment,
		"--path", "examples/open-webui/terraform",
		"--var-files", "examples/open-webui/terraform/environments/"+st.Environment+".tfvars",
		"--report-file", report)
	if r.missing || r.code != 0 {
		return
	}
	d.note(fmt.Sprintf("saving=%s%% ($%s a month)", or(r.outputs["saving-percent"], "?"), or(r.outputs["monthly-saving"], "?")))
	d.printf("\n   cost report: %s\n", checkReport(report))
}

// checkReport reads the JSON report and says whether every recommended
// size is a Fargate size and production got no Spot.
func checkReport(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var rep cost.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return err.Error()
	}
	sizes, bad := 0, []string{}
	for _, s := range rep.Services {
		for _, rec := range s.Recommendations {
			if rec.Size != nil {
				sizes++
				if !fargate.Valid(rec.Size.CPU, rec.Size.Memory) {
					bad = append(bad, fmt.Sprintf("%s %d/%d is no Fargate size", s.Name, rec.Size.CPU, rec.Size.Memory))
				}
			}
			if rec.Kind == cost.KindSpot && slices.Contains(cost.DefaultOptions().Production, s.Environment) {
				bad = append(bad, s.Name+" gets Spot in production")
			}
		}
	}
	if len(bad) > 0 {
		return "INVALID: " + strings.Join(bad, "; ")
	}
	return fmt.Sprintf("$%.2f → $%.2f a month, saving %.1f %%; %d sizes, every one a Fargate pair; no Spot in production", rep.Monthly, rep.After, rep.SavingPercent, sizes)
}

// table prints the summary and returns the exit code: 0 when every action
// that ran behaved as expected.
func (d *demo) table() int {
	d.printf("\n%s\n summary\n%s\n", bar, bar)
	w := []int{4, 12, 26, 8, 9, 9}
	header := []string{"step", "action", "what", "expected", "result", "time"}
	d.printf("   %-*s %-*s %-*s %-*s %-*s %-*s %s\n", w[0], header[0], w[1], header[1], w[2], header[2], w[3], header[3], w[4], header[4], w[5], header[5], "details")
	bad, missing := 0, map[string]bool{}
	for _, r := range d.rows {
		want, got := fmt.Sprintf("exit %d", r.want), fmt.Sprintf("exit %d", r.got)
		switch {
		case r.action == "sandbox":
			want, got = "", "ok"
		case r.missing:
			got = "not built"
			missing[r.action] = true
		case r.want != r.got:
			got += " ✗"
			bad++
		default:
			got += " ✓"
		}
		dur := ""
		if r.dur > 0 {
			dur = r.dur.String()
		}
		d.printf("   %-*s %-*s %-*s %-*s %-*s %-*s %s\n", w[0], r.step, w[1], r.action, w[2], cut(r.what, w[2]), w[3], want, w[4], got, w[5], dur, r.note)
	}
	d.printf("\n")
	if len(missing) > 0 {
		var m []string
		for a := range missing {
			m = append(m, a)
		}
		sort.Strings(m)
		d.printf("   not built yet: %s (run make build once they exist)\n", strings.Join(m, ", "))
	}
	if bad > 0 {
		d.printf("   %d step(s) did not behave as expected; see the sections above\n", bad)
		return 1
	}
	d.printf("   every step that ran behaved as expected\n")
	return 0
}

func cut(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// wrap breaks s into lines of at most width characters.
func wrap(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			out = append(out, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
