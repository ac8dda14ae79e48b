package drift

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// Clients holds one small interface per AWS service. A nil client makes the
// types that need it "not checked".
type Clients struct {
	ECS         ECSAPI
	ELB         ELBAPI
	EC2         EC2API
	ECR         ECRAPI
	Logs        LogsAPI
	CloudWatch  CloudWatchAPI
	IAM         IAMAPI
	Autoscaling AutoscalingAPI
	Discovery   DiscoveryAPI
}

// ServiceKey names one ECS service.
type ServiceKey struct {
	// Cluster is the cluster name.
	Cluster string
	Service string
	// ClusterRef is the cluster as the state names it (usually its ARN),
	// for ledgers that recorded the deployment under that spelling.
	ClusterRef string
}

// Ledger reads what deploy-ecs recorded: the task definition of the last
// successful deployment per service.
type Ledger interface {
	// LastGood returns, for the services it has a record of, the task
	// definition ARN of their last successful deployment.
	LastGood(ctx context.Context, services []ServiceKey) (map[ServiceKey]string, error)
}

// Options tune a scan.
type Options struct {
	// Ignore holds the user's ignore patterns.
	Ignore *Ignorer
	// IgnoreChanges is lifecycle.ignore_changes read from the HCL.
	IgnoreChanges tfstate.IgnoreChanges
	// Ledger, when set, decides whether a service's live task definition is
	// the one CI deployed (not drift) or a hand-made one (drift).
	Ledger Ledger
	// Concurrency bounds the AWS calls in flight; 0 means 8.
	Concurrency int
	// State is every object of the state, when only part of it is scanned
	// (a resources filter): what it names is managed, never unmanaged.
	// Empty means the scanned objects are the whole state.
	State []tfstate.Object
	// Desired are task definitions from files (the `task-definitions`
	// input), compared with the revision each service runs, by family.
	Desired []DesiredTaskDefinition
}

// DesiredTaskDefinition is a task definition document from a file.
type DesiredTaskDefinition struct {
	// Source is the file it came from.
	Source string
	Family string
	// Document is the register-task-definition JSON.
	Document map[string]any
}

// Scanner compares state objects with the live account.
type Scanner struct {
	c   Clients
	o   Options
	sem chan struct{}

	calls atomic.Int64

	mu         sync.Mutex
	unmanaged  []Finding
	notChecked []NotChecked
	managedIDs map[string]bool
	ignored    int
	partials   map[string]bool

	memoMu sync.Mutex
	memo   map[string]*memoEntry

	// state is every object of the scanned state, for cross-type checks.
	state []tfstate.Object
}

type memoEntry struct {
	once sync.Once
	val  any
	err  error
}

// New returns a Scanner.
func New(c Clients, o Options) *Scanner {
	n := o.Concurrency
	if n <= 0 {
		n = 8
	}
	return &Scanner{c: c, o: o, sem: make(chan struct{}, n), memo: map[string]*memoEntry{}, managedIDs: map[string]bool{}}
}

// Calls returns how many AWS calls the scanner made so far.
func (s *Scanner) Calls() int64 { return s.calls.Load() }

// item is one state object on its way through a scan.
type item struct {
	obj tfstate.Object
	typ string
	// want is the state's view to compare (defaults to the attributes).
	want map[string]any
	// live is what the scanner read, in Terraform's attribute names.
	live  map[string]any
	found bool
	// arn is the live ARN for tagging.
	arn string
	// extra are changes the handler judged itself (already classified).
	extra []Change
	// skipAttrs are attributes the handler decided are expected (counted
	// as ignored), e.g. desired_count under autoscaling.
	skipAttrs map[string]bool
	// authoritative are attributes judged by a better source than the
	// HCL (the ledger): lifecycle.ignore_changes does not hide them.
	authoritative map[string]bool
	// remediation the handler proposes for a safe task-definition change.
	remediation *Remediation
	note        string
	notChecked  string
}

func (it *item) skip(attr string) {
	if it.skipAttrs == nil {
		it.skipAttrs = map[string]bool{}
	}
	it.skipAttrs[attr] = true
}

// handler reads the live resources of one AWS service for the Terraform
// types it covers.
type handler struct {
	// types are the Terraform types the handler reads, each with how its
	// attributes compare, in the order its error messages name them.
	types []typeSpec
	// need reports whether the client the handler calls is configured.
	need func(Clients) bool
	run  func(ctx context.Context, s *Scanner, items map[string][]*item) error
}

// typeSpec is one Terraform type a handler covers and how its attributes
// compare.
type typeSpec struct {
	name string
	spec spec
}

// handlers is every handler the scanner runs. A Terraform type is covered
// only when a handler here reads it: Types and specs are derived from this
// list, never kept beside it.
var handlers = []handler{
	autoscalingHandler,
	discoveryHandler,
	alarmHandler,
	logGroupHandler,
	securityGroupHandler,
	ecrHandler,
	clusterHandler,
	serviceHandler,
	taskDefinitionHandler,
	elbHandler,
	iamHandler,
}

// typeNames lists the Terraform types h covers.
func (h handler) typeNames() []string {
	names := make([]string, len(h.types))
	for i, t := range h.types {
		names[i] = t.name
	}
	return names
}

// Scan checks every object whose type is covered; objects of other types
// are reported as not checked.
func (s *Scanner) Scan(ctx context.Context, objs []tfstate.Object) (*Result, error) {
	res := &Result{}
	s.state = objs
	if len(s.o.State) > 0 {
		s.state = s.o.State
	}
	byType := s.partition(objs, res)
	if err := s.runHandlers(ctx, byType); err != nil {
		return nil, err
	}
	s.collect(byType, res)
	res.Total += res.Managed
	res.Calls = s.calls.Load()
	res.sort()
	return res, nil
}

// partition groups the covered objects by canonical type; uncovered types
// go to res as not checked and ignored addresses are counted.
func (s *Scanner) partition(objs []tfstate.Object, res *Result) map[string][]*item {
	byType := map[string][]*item{}
	uncovered := map[string][]string{}
	for _, o := range objs {
		t := canonicalType(o.Type)
		if !Covered(t) {
			uncovered[o.Type] = append(uncovered[o.Type], o.Address)
			continue
		}
		if s.o.Ignore.Match(o.Address, "") {
			res.Ignored++
			continue
		}
		byType[t] = append(byType[t], &item{obj: o, typ: t, want: o.Attributes})
	}
	for t, addrs := range uncovered {
		res.NotChecked = append(res.NotChecked, NotChecked{Type: t, Addresses: addrs, Reason: "type not covered by drift-check"})
	}
	return byType
}

// runHandlers runs, concurrently, every handler that has objects to read.
// A handler denied access marks its objects not checked; any other failure
// cancels the rest and is returned.
func (s *Scanner) runHandlers(ctx context.Context, byType map[string][]*item) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(handlers))
	for i, h := range handlers {
		mine := map[string][]*item{}
		for _, ts := range h.types {
			if t := ts.name; len(byType[t]) > 0 {
				mine[t] = byType[t]
			}
		}
		if len(mine) == 0 {
			continue
		}
		if !h.need(s.c) {
			s.markNotChecked(mine, "no AWS client for this service", "")
			continue
		}
		wg.Add(1)
		go func(i int, h handler) {
			defer wg.Done()
			err := h.run(ctx, s, mine)
			if err == nil {
				return
			}
			if perm, ok := AccessDenied(err); ok {
				s.markNotChecked(mine, "access denied", perm)
				return
			}
			errs[i] = fmt.Errorf("failed to check %s: %w", strings.Join(h.typeNames(), ", "), err)
			cancel()
		}(i, h)
	}
	wg.Wait()
	return rootCauses(errs)
}

// rootCauses joins the errors of the handlers. Once one type failed the
// others were cancelled: it reports the cause, not the cancellations it
// caused.
func rootCauses(errs []error) error {
	var causes []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			causes = append(causes, err)
		}
	}
	if len(causes) == 0 {
		for _, err := range errs {
			if err != nil {
				causes = append(causes, err)
			}
		}
	}
	return errors.Join(causes...)
}

// collect judges every checked item and adds the unmanaged findings and
// the not-checked types the handlers recorded.
func (s *Scanner) collect(byType map[string][]*item, res *Result) {
	for _, t := range sortedKeys(byType) {
		for _, it := range byType[t] {
			if it.notChecked != "" {
				continue
			}
			res.Checked++
			if f, ok := s.judge(it, res); ok {
				res.Findings = append(res.Findings, f)
			}
			if it.found {
				res.Managed++
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.unmanaged {
		if s.o.Ignore.Match(f.Type+"."+f.ID, "") {
			res.Ignored++
			continue
		}
		res.Findings = append(res.Findings, f)
		res.Total++
	}
	res.NotChecked = append(res.NotChecked, s.notChecked...)
	res.Ignored += s.ignored
}

func (s *Scanner) markNotChecked(items map[string][]*item, reason, perm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range sortedKeys(items) {
		var addrs []string
		for _, it := range items[t] {
			it.notChecked = reason
			addrs = append(addrs, it.obj.Address)
		}
		s.notChecked = append(s.notChecked, NotChecked{Type: t, Addresses: addrs, Reason: reason, Permission: perm})
	}
}

// partial records that one part of a type (its tags, its unmanaged
// neighbours) could not be read because access was denied, and reports
// whether err was that. The rest of the type is still compared.
func (s *Scanner) partial(typ, part string, err error) bool {
	perm, ok := AccessDenied(err)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.partials == nil {
		s.partials = map[string]bool{}
	}
	if key := typ + "|" + part; !s.partials[key] {
		s.partials[key] = true
		s.notChecked = append(s.notChecked, NotChecked{Type: typ, Reason: part + " not checked: access denied", Permission: perm})
	}
	return true
}

func (s *Scanner) addUnmanaged(f Finding) {
	f.Kind = Unmanaged
	if f.Class == "" {
		f.Class = Review
	}
	s.mu.Lock()
	s.unmanaged = append(s.unmanaged, f)
	s.mu.Unlock()
}

func (s *Scanner) countIgnored(n int) {
	s.mu.Lock()
	s.ignored += n
	s.mu.Unlock()
}

// judge turns a scanned item into a finding.
func (s *Scanner) judge(it *item, res *Result) (Finding, bool) {
	f := Finding{Address: it.obj.Address, Type: it.obj.Type, ID: it.obj.ID(), Note: it.note}
	if !it.found {
		f.Kind, f.Class = Missing, Critical
		if f.Note == "" {
			f.Note = "in the state but not in AWS: deleted outside Terraform"
		}
		return f, true
	}
	sp := specs[it.typ]
	var changes []Change
	want := it.want
	if all, ok := want["tags_all"].(map[string]any); ok && len(all) > 0 {
		// tags_all adds the provider's default_tags: what AWS really has.
		want = withAttr(want, "tags", all)
	}
	for _, c := range compare(sp, want, it.live) {
		if it.skipAttrs[c.Attribute] {
			res.Ignored++
			continue
		}
		changes = append(changes, c)
	}
	changes = append(changes, it.extra...)
	for _, c := range changes {
		if s.o.Ignore.Match(it.obj.Address, c.Attribute) || (!it.authoritative[c.Attribute] && s.o.IgnoreChanges.Ignored(it.obj.Config, c.Attribute)) {
			res.Ignored++
			continue
		}
		if c.Class == "" {
			c.Class = classify(it.typ, c)
		}
		f.Changes = append(f.Changes, c)
	}
	if len(f.Changes) == 0 {
		return Finding{}, false
	}
	f.Kind, f.Class = Changed, Safe
	onlyTags := true
	for _, c := range f.Changes {
		f.Class = Worse(f.Class, c.Class)
		if !isTagAttr(c.Attribute) {
			onlyTags = false
		}
	}
	switch {
	case it.remediation != nil && f.Class == Safe:
		f.Remediation = it.remediation
	case onlyTags && it.arn != "" && f.Class == Safe:
		f.Remediation = tagRemediation(it)
	case f.Class == Safe && len(f.Changes) == 1 && f.Changes[0].Attribute == "alarm_description" && it.arn != "":
		d := it.obj.String("alarm_description")
		f.Remediation = &Remediation{Action: "set-description", ARN: it.arn, Description: &d}
	}
	return f, true
}

func tagRemediation(it *item) *Remediation {
	want := stringMap(it.want["tags_all"])
	if len(want) == 0 {
		want = stringMap(it.want["tags"])
	}
	live := stringMap(it.live["tags"])
	r := &Remediation{Action: "tag", ARN: it.arn, Tags: map[string]string{}}
	for k, v := range want {
		if live[k] != v {
			r.Tags[k] = v
		}
	}
	for k := range live {
		if _, ok := want[k]; !ok {
			r.UntagKeys = append(r.UntagKeys, k)
		}
	}
	sort.Strings(r.UntagKeys)
	return r
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	switch m := v.(type) {
	case map[string]any:
		for k, e := range m {
			out[k] = tfstate.Scalar(e)
		}
	case map[string]string:
		for k, e := range m {
			out[k] = e
		}
	}
	return out
}

// classify decides the class of one attribute change.
func classify(typ string, c Change) Class {
	attr := c.Attribute
	switch {
	case isTagAttr(attr):
		return Safe
	case strings.HasPrefix(typ, "aws_iam_"):
		return Critical
	case attr == "description" || attr == "alarm_description":
		return Safe
	case typ == "aws_security_group" && (attr == "ingress" || attr == "egress") && c.After != none:
		return Critical // an opening
	case typ == "aws_lb" && attr == "internal" && c.After == "false":
		return Critical // now internet-facing
	case attr == "network_configuration.assign_public_ip" && c.After == "true":
		return Critical
	case typ == "aws_ecr_repository" && attr == "image_tag_mutability" && c.After == "MUTABLE":
		return Critical
	case typ == "aws_lb_listener" && attr == "protocol" && (c.After == "HTTP" || c.After == "TCP"):
		return Critical // encryption dropped
	case (typ == "aws_security_group_rule" || strings.HasPrefix(typ, "aws_vpc_security_group_")) &&
		(strings.Contains(attr, "cidr") || attr == "from_port" || attr == "to_port" || strings.Contains(attr, "protocol")):
		return Critical
	}
	return Review
}

// call runs one AWS call under the concurrency bound and counts it.
func call[T any](ctx context.Context, s *Scanner, fn func() (T, error)) (T, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-s.sem }()
	s.calls.Add(1)
	return fn()
}

// memoize runs fn once per key for the whole scan.
func memoize[T any](s *Scanner, key string, fn func() (T, error)) (T, error) {
	s.memoMu.Lock()
	e, ok := s.memo[key]
	if !ok {
		e = &memoEntry{}
		s.memo[key] = e
	}
	s.memoMu.Unlock()
	e.once.Do(func() { e.val, e.err = fn() })
	v, _ := e.val.(T)
	return v, e.err
}

// each runs fn for every element with the scanner's concurrency and
// returns the first error.
func each[T any](ctx context.Context, list []T, fn func(T) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, e := range list {
		wg.Add(1)
		go func(e T) {
			defer wg.Done()
			if err := fn(e); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(e)
	}
	wg.Wait()
	return first
}

// AccessDenied reports whether err is an authorization failure and returns
// the IAM action that was denied (service:Operation) when known.
func AccessDenied(err error) (permission string, ok bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", false
	}
	switch ae.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
		"AuthorizationError", "AuthorizationErrorException", "UnrecognizedClientException", "NotAuthorized":
	default:
		if !strings.Contains(strings.ToLower(ae.ErrorCode()), "accessdenied") {
			return "", false
		}
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return iamPrefix(oe.ServiceID) + ":" + oe.OperationName, true
	}
	return "", true
}

func iamPrefix(serviceID string) string {
	switch serviceID {
	case "ECS":
		return "ecs"
	case "Elastic Load Balancing v2":
		return "elasticloadbalancing"
	case "EC2":
		return "ec2"
	case "ECR":
		return "ecr"
	case "CloudWatch Logs":
		return "logs"
	case "CloudWatch":
		return "cloudwatch"
	case "IAM":
		return "iam"
	case "Application Auto Scaling":
		return "application-autoscaling"
	case "ServiceDiscovery":
		return "servicediscovery"
	case "DynamoDB":
		return "dynamodb"
	case "S3":
		return "s3"
	}
	return strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
}

// isNotFound reports whether err is one of the codes listed.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func chunk[T any](list []T, n int) [][]T {
	var out [][]T
	for len(list) > n {
		out = append(out, list[:n])
		list = list[n:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// specs holds the comparison rules per covered type, from the handlers.
var specs = specsOf(handlers)

func specsOf(hs []handler) map[string]spec {
	m := map[string]spec{}
	for _, h := range hs {
		for _, t := range h.types {
			m[t.name] = t.spec
		}
	}
	return m
}
