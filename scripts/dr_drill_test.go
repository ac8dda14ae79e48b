package scripts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	drDigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	drDigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// taskDefDir holds <service>.json for each service named.
func taskDefDir(t *testing.T, services ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range services {
		require.NoError(t, os.WriteFile(filepath.Join(dir, s+".json"), []byte(`{"family":"`+s+`"}`), 0o644))
	}
	return dir
}

// The drill's restore inputs: every service's task definition from Git,
// each container's image in the recovery registry by the known-good
// digest; bad rows, a missing file or one container with two images stop
// the drill before anything changes (exit 2).
func TestDRDrillInputs(t *testing.T) {
	t.Parallel()
	rows := `[{"service":"mcpo","container":"mcpo","repository":"ecsflow/mcpo","digest":"` + drDigestA + `"},` +
		`{"service":"open-webui","container":"open-webui","repository":"ecsflow/open-webui","digest":"` + drDigestB + `"}]`
	dir := taskDefDir(t, "mcpo", "open-webui")
	stdout, stderr, code := script(t, t.TempDir(), nil, "dr-drill.sh", "inputs", rows, "reg.example/", dir+"/", "ecsflow-prod")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "cluster=ecsflow-prod\nservices<<EOF\nmcpo\nopen-webui\nEOF\n"+
		"task-definitions<<EOF\nmcpo="+dir+"/mcpo.json\nopen-webui="+dir+"/open-webui.json\nEOF\n"+
		"images<<EOF\nmcpo=reg.example/ecsflow/mcpo@"+drDigestA+"\nopen-webui=reg.example/ecsflow/open-webui@"+drDigestB+"\nEOF\n", stdout)

	clash := `[{"service":"a","container":"log","repository":"fluent","digest":"` + drDigestA + `"},` +
		`{"service":"b","container":"log","repository":"fluent","digest":"` + drDigestB + `"}]`
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"not json", []string{"inputs", "nope", "reg", dir, "c"}, "is not a non-empty JSON array"},
		{"empty rows", []string{"inputs", "[]", "reg", dir, "c"}, "is not a non-empty JSON array"},
		{"row without digest", []string{"inputs", `[{"service":"mcpo","container":"mcpo","repository":"r"}]`, "reg", dir, "c"}, "is not a non-empty JSON array"},
		{"task definition not in git", []string{"inputs", rows, "reg", taskDefDir(t, "mcpo"), "c"}, "open-webui.json is missing"},
		{"one container, two images", []string{"inputs", clash, "reg", taskDefDir(t, "a", "b"), "c"}, "container log runs different images"},
		{"no registry", []string{"inputs", rows, "", dir, "c"}, "must not be empty"},
		{"too few arguments", []string{"inputs", rows}, "usage"},
		{"cleanup with nothing restored", []string{"cleanup", "us-west-2", "c", "", ""}, "nothing to clean up"},
		{"unknown command", []string{"restore"}, "usage"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := script(t, t.TempDir(), nil, "dr-drill.sh", tc.args...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tc.want)
		})
	}
}

// fakeAWS puts an aws command on PATH that logs its arguments and prints
// answer.
func fakeAWS(t *testing.T, answer string) (pathEnv, log string) {
	t.Helper()
	bin := t.TempDir()
	log = filepath.Join(bin, "calls")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "answer"), []byte(answer), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte("#!/usr/bin/env bash\necho \"$*\" >>\""+log+"\"\ncat \""+bin+"/answer\"\n"), 0o755))
	return "PATH=" + bin + ":" + os.Getenv("PATH"), log
}

// The health check reads the services back from ECS: each must be active
// with every desired task running and no deployment left in progress; a
// service that is not, or is missing, is named and fails the step.
func TestDRDrillHealth(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, answer string
		code         int
		want         string
	}{
		{name: "all healthy", answer: "mcpo\tACTIVE\t2\t2\t1\nweb\tACTIVE\t1\t1\t1\n", want: "healthy=true"},
		{name: "tasks missing", answer: "mcpo\tACTIVE\t2\t1\t1\nweb\tACTIVE\t1\t1\t1\n", code: 1, want: "mcpo is not healthy: ACTIVE, 1 of 2 tasks running, 1 deployment(s)"},
		{name: "still rolling out", answer: "mcpo\tACTIVE\t2\t2\t2\nweb\tACTIVE\t1\t1\t1\n", code: 1, want: "mcpo is not healthy: ACTIVE, 2 of 2 tasks running, 2 deployment(s)"},
		{name: "scaled to zero", answer: "mcpo\tACTIVE\t0\t0\t1\nweb\tACTIVE\t1\t1\t1\n", code: 1, want: "mcpo is not healthy: ACTIVE, 0 of 0 tasks running"},
		{name: "draining", answer: "mcpo\tDRAINING\t2\t2\t1\nweb\tACTIVE\t1\t1\t1\n", code: 1, want: "mcpo is not healthy: DRAINING"},
		{name: "missing", answer: "web\tACTIVE\t1\t1\t1\n", code: 1, want: "mcpo is missing from cluster dr in us-west-2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, log := fakeAWS(t, tc.answer)
			stdout, stderr, code := script(t, t.TempDir(), []string{path}, "dr-drill.sh", "health", "us-west-2", "dr", "mcpo\nweb")
			require.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stdout, tc.want)
			calls, err := os.ReadFile(log)
			require.NoError(t, err)
			assert.Equal(t, "ecs describe-services --region us-west-2 --cluster dr --services mcpo web "+
				"--query services[].[serviceName,status,desiredCount,runningCount,length(deployments)] --output text\n", string(calls))
		})
	}
	_, stderr, code := script(t, t.TempDir(), nil, "dr-drill.sh", "health", "us-west-2", "dr", "")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "health needs a region, a cluster and services")
}

// Cleanup returns each service to the revision it ran before the drill at
// desired count 0, waits for them, then deregisters only the revisions the
// drill registered (one that was already running stays); deploy-ecs's
// single-ARN output (one service) works as well as its JSON map.
func TestDRDrillCleanup(t *testing.T) {
	t.Parallel()
	td := func(f string) string { return "arn:aws:ecs:us-west-2:1:task-definition/" + f }
	cases := []struct {
		name               string
		restored, previous string
		want               []string
	}{
		{
			name:     "several services",
			restored: `{"mcpo":"` + td("mcpo:3") + `","web":"` + td("web:2") + `"}`,
			previous: `{"mcpo":"` + td("mcpo:1") + `","web":"` + td("web:2") + `"}`,
			want: []string{
				"ecs update-service --region us-west-2 --cluster dr --service mcpo --desired-count 0 --task-definition " + td("mcpo:1") + " --query service.serviceName --output text",
				"ecs update-service --region us-west-2 --cluster dr --service web --desired-count 0 --task-definition " + td("web:2") + " --query service.serviceName --output text",
				"ecs wait services-stable --region us-west-2 --cluster dr --services mcpo web",
				"ecs deregister-task-definition --region us-west-2 --task-definition " + td("mcpo:3") + " --query taskDefinition.taskDefinitionArn --output text",
			},
		},
		{
			name:     "one service",
			restored: td("mcpo:3"), previous: td("mcpo:1"),
			want: []string{
				"ecs update-service --region us-west-2 --cluster dr --service mcpo --desired-count 0 --task-definition " + td("mcpo:1") + " --query service.serviceName --output text",
				"ecs wait services-stable --region us-west-2 --cluster dr --services mcpo",
				"ecs deregister-task-definition --region us-west-2 --task-definition " + td("mcpo:3") + " --query taskDefinition.taskDefinitionArn --output text",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, log := fakeAWS(t, "")
			stdout, stderr, code := script(t, t.TempDir(), []string{path}, "dr-drill.sh", "cleanup", "us-west-2", "dr", tc.restored, tc.previous)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, "cleaned-up=true\n", stdout)
			calls, err := os.ReadFile(log)
			require.NoError(t, err)
			assert.Equal(t, tc.want, strings.Split(strings.TrimSpace(string(calls)), "\n"))
		})
	}
}

// fakeAWSBy puts an aws command on PATH that logs its arguments and
// answers each subcommand (describe-services, register-task-definition…)
// with answers[subcommand], nothing when absent.
func fakeAWSBy(t *testing.T, answers map[string]string) (pathEnv, log string) {
	t.Helper()
	bin := t.TempDir()
	log = filepath.Join(bin, "calls")
	for cmd, a := range answers {
		require.NoError(t, os.WriteFile(filepath.Join(bin, "answer."+cmd), []byte(a), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte("#!/usr/bin/env bash\necho \"$*\" >>\""+log+"\"\n"+
		"if [ -f \""+bin+"/answer.$2\" ]; then cat \""+bin+"/answer.$2\"; fi\n"), 0o755))
	return "PATH=" + bin + ":" + os.Getenv("PATH"), log
}

// The drill creates the services the recovery cluster lacks, at desired
// count 0 for deploy-ecs to update: the task definition from Git with the
// restored images, the network from recovery-network unless the service's
// own <service>.service.json in Git names one. A missing service without a
// network stops the drill before anything is registered or created
// (exit 2, naming the input); a service that exists is left to deploy-ecs.
func TestDRDrillCreatesMissingServices(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range []string{"mcpo", "web"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, s+".json"), []byte(`{"family":"`+s+`","containerDefinitions":[{"name":"`+s+`","image":"old"},{"name":"log","image":"fluent"}]}`), 0o644))
	}
	withLB := filepath.Join(t.TempDir())
	require.NoError(t, os.WriteFile(filepath.Join(withLB, "mcpo.json"), []byte(`{"family":"mcpo","containerDefinitions":[{"name":"mcpo","image":"old"}]}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(withLB, "mcpo.service.json"), []byte(`{"serviceName":"ignored","loadBalancers":[{"targetGroupArn":"tg","containerName":"mcpo","containerPort":80}],`+
		`"networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-git"],"securityGroups":["sg-git"]}}}`), 0o644))
	const (
		net    = `{"subnets":["subnet-1","subnet-2"],"securityGroups":["sg-1"],"assignPublicIp":"DISABLED"}`
		images = "mcpo=reg/ecsflow/mcpo@" + drDigestA + "\nweb=reg/ecsflow/web@" + drDigestB
		tdARN  = "arn:aws:ecs:us-west-2:1:task-definition/mcpo:1"
		query  = "ecs describe-services --region us-west-2 --cluster dr --services mcpo web --query services[].[serviceName,status] --output text"
		wait   = "ecs wait services-inactive --region us-west-2 --cluster dr --services mcpo"
	)
	register := "ecs register-task-definition --region us-west-2 --cli-input-json " +
		`{"family":"mcpo","containerDefinitions":[{"name":"mcpo","image":"reg/ecsflow/mcpo@` + drDigestA + `"},{"name":"log","image":"fluent"}]}` +
		" --query taskDefinition.taskDefinitionArn --output text"
	cases := []struct {
		name, dir, net, active string
		code                   int
		want                   []string
		out, stderr            string
	}{
		{name: "all exist", dir: dir, net: "", active: "mcpo\tACTIVE\nweb\tACTIVE\n", want: []string{query}, out: "created={}\n"},
		{name: "one missing, network from the input", dir: dir, net: net, active: "web\tACTIVE\n", out: `created={"mcpo":"` + tdARN + `"}` + "\n", want: []string{query, register,
			"ecs create-service --region us-west-2 --cli-input-json " +
				`{"networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-1","subnet-2"],"securityGroups":["sg-1"],"assignPublicIp":"DISABLED"}},"launchType":"FARGATE","cluster":"dr","serviceName":"mcpo","taskDefinition":"` + tdARN + `","desiredCount":0}` +
				" --query service.serviceName --output text"}},
		{name: "one missing, its service file in git", dir: withLB, net: net, active: "web\tACTIVE\n", out: `created={"mcpo":"` + tdARN + `"}` + "\n", want: []string{query,
			"ecs register-task-definition --region us-west-2 --cli-input-json " +
				`{"family":"mcpo","containerDefinitions":[{"name":"mcpo","image":"reg/ecsflow/mcpo@` + drDigestA + `"}]}` + " --query taskDefinition.taskDefinitionArn --output text",
			"ecs create-service --region us-west-2 --cli-input-json " +
				`{"loadBalancers":[{"targetGroupArn":"tg","containerName":"mcpo","containerPort":80}],"networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-git"],"securityGroups":["sg-git"]}},"launchType":"FARGATE","cluster":"dr","serviceName":"mcpo","taskDefinition":"` + tdARN + `","desiredCount":0}` +
				" --query service.serviceName --output text"}},
		{name: "one still draining: waited for, then created", dir: dir, net: net, active: "mcpo\tDRAINING\nweb\tACTIVE\n",
			out: `created={"mcpo":"` + tdARN + `"}` + "\n", stderr: "waiting for mcpo to finish draining", want: []string{query, wait, register,
				"ecs create-service --region us-west-2 --cli-input-json " +
					`{"networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-1","subnet-2"],"securityGroups":["sg-1"],"assignPublicIp":"DISABLED"}},"launchType":"FARGATE","cluster":"dr","serviceName":"mcpo","taskDefinition":"` + tdARN + `","desiredCount":0}` +
					" --query service.serviceName --output text"}},
		{name: "missing without a network", dir: dir, net: "", active: "web\tACTIVE\n", code: 2, want: []string{query},
			stderr: "mcpo does not exist in cluster dr in us-west-2 and the drill must create it: give input recovery-network"},
		{name: "two missing, one name contains the other", dir: dir, net: "", active: "mcpo-old\tACTIVE\n", code: 2, want: []string{query},
			stderr: "mcpo does not exist in cluster dr in us-west-2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, log := fakeAWSBy(t, map[string]string{"describe-services": tc.active, "register-task-definition": tdARN + "\n", "create-service": "mcpo\n"})
			stdout, stderr, code := script(t, t.TempDir(), []string{path}, "dr-drill.sh", "create", "us-west-2", "dr", "mcpo\nweb", tc.dir, images, tc.net)
			require.Equal(t, tc.code, code, stderr)
			assert.Equal(t, tc.out, stdout)
			assert.Contains(t, stderr, tc.stderr)
			calls, err := os.ReadFile(log)
			require.NoError(t, err)
			assert.Equal(t, tc.want, strings.Split(strings.TrimSpace(string(calls)), "\n"))
		})
	}
}

// recovery-network is checked before anything runs: empty, or subnets and
// security groups of the recovery region; anything else names the input.
func TestDRDrillRecoveryNetworkInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, net string
		code      int
	}{
		{"empty", "", 0},
		{"subnets and groups", `{"subnets":["s"],"securityGroups":["g"]}`, 0},
		{"public ip", `{"subnets":["s"],"securityGroups":["g"],"assignPublicIp":"ENABLED"}`, 0},
		{"not json", "subnet-1", 2},
		{"no security group", `{"subnets":["s"],"securityGroups":[]}`, 2},
		{"no subnets", `{"securityGroups":["g"]}`, 2},
		{"subnet not a string", `{"subnets":[1],"securityGroups":["g"]}`, 2},
		{"public ip yes", `{"subnets":["s"],"securityGroups":["g"],"assignPublicIp":"yes"}`, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := script(t, t.TempDir(), nil, "dr-drill.sh", "network", tc.net)
			require.Equal(t, tc.code, code, stderr)
			if tc.code != 0 {
				assert.Contains(t, stdout, `::error title=ecsflow::input "recovery-network" is`)
			}
		})
	}
}

// Cleanup deletes only the services the drill created, with the revision
// it created them with; the services Terraform owns go back to their
// revision of before at desired count 0.
func TestDRDrillCleanupDeletesOnlyWhatItCreated(t *testing.T) {
	t.Parallel()
	td := func(f string) string { return "arn:aws:ecs:us-west-2:1:task-definition/" + f }
	path, log := fakeAWS(t, "")
	stdout, stderr, code := script(t, t.TempDir(), []string{path}, "dr-drill.sh", "cleanup", "us-west-2", "dr",
		`{"mcpo":"`+td("mcpo:2")+`","web":"`+td("web:4")+`"}`, `{"mcpo":"`+td("mcpo:1")+`","web":"`+td("web:3")+`"}`, `{"mcpo":"`+td("mcpo:1")+`"}`)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "cleaned-up=true\n", stdout)
	calls, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"ecs delete-service --region us-west-2 --cluster dr --service mcpo --force --query service.serviceName --output text",
		"ecs update-service --region us-west-2 --cluster dr --service web --desired-count 0 --task-definition " + td("web:3") + " --query service.serviceName --output text",
		"ecs wait services-stable --region us-west-2 --cluster dr --services web",
		"ecs deregister-task-definition --region us-west-2 --task-definition " + td("mcpo:1") + " --query taskDefinition.taskDefinitionArn --output text",
		"ecs deregister-task-definition --region us-west-2 --task-definition " + td("mcpo:2") + " --query taskDefinition.taskDefinitionArn --output text",
		"ecs deregister-task-definition --region us-west-2 --task-definition " + td("web:4") + " --query taskDefinition.taskDefinitionArn --output text",
	}, strings.Split(strings.TrimSpace(string(calls)), "\n"))

	_, stderr, code = script(t, t.TempDir(), []string{path}, "dr-drill.sh", "cleanup", "us-west-2", "dr", td("mcpo:2"), td("mcpo:1"), "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "created nope is not a JSON map")
}
