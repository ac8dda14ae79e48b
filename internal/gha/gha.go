// Package gha writes what an action tells GitHub Actions: log lines,
// annotations, outputs, the job summary, masks and log groups. Outside
// Actions (a developer's terminal, make demo) the same calls print plain,
// readable text instead of workflow commands.
package gha

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"
)

// Console is the single writer of an action's user-visible output. It is
// safe for concurrent use: services deployed in parallel log through one
// Console.
type Console struct {
	mu        sync.Mutex
	a         *githubactions.Action
	w         io.Writer
	getenv    func(string) string
	inActions bool
	secrets   []string
	outputs   map[string]string
	summary   strings.Builder
}

// New returns a Console writing to w. getenv decides whether we run inside
// Actions (GITHUB_ACTIONS=true) and where the output and summary files are.
func New(w io.Writer, getenv func(string) string) *Console {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Console{
		a:         githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv)),
		w:         w,
		getenv:    getenv,
		inActions: getenv("GITHUB_ACTIONS") == "true",
		outputs:   map[string]string{},
	}
}

// InActions reports whether the process runs inside GitHub Actions.
func (c *Console) InActions() bool { return c.inActions }

// Action returns the underlying go-githubactions value, for the few calls
// that need it (the OIDC token request).
func (c *Console) Action() *githubactions.Action { return c.a }

// Mask hides s (and each of its lines) from every later log line: the runner
// masks it through ::add-mask::, and Console redacts it itself so that the
// terminal output and the summary never show it either.
func (c *Console) Mask(s string) {
	s = strings.TrimSpace(s)
	if len(s) < 4 { // masking tiny strings would shred ordinary words
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, part := range append([]string{s}, strings.Split(s, "\n")...) {
		part = strings.TrimSpace(part)
		if len(part) < 4 || contains(c.secrets, part) {
			continue
		}
		c.secrets = append(c.secrets, part)
		if c.inActions {
			c.a.AddMask(part)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(c.secrets, func(i, j int) bool { return len(c.secrets[i]) > len(c.secrets[j]) })
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Redact replaces every masked secret in s with ***.
func (c *Console) Redact(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.redactLocked(s)
}

func (c *Console) redactLocked(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// Infof prints a log line.
func (c *Console) Infof(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.w, c.redactLocked(fmt.Sprintf(format, args...)))
}

// Debugf prints a line shown only when step debug logging is on; outside
// Actions it prints when ECSFLOW_DEBUG is set.
func (c *Console) Debugf(format string, args ...any) {
	msg := c.Redact(fmt.Sprintf(format, args...))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inActions {
		c.a.Debugf("%s", msg)
	} else if c.getenv("ECSFLOW_DEBUG") != "" {
		fmt.Fprintln(c.w, "debug: "+msg)
	}
}

// Level is an annotation's severity.
type Level string

// Annotation levels, as GitHub names them.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is a message GitHub shows on a file and line of the pull
// request, or on the run when File is empty.
type Annotation struct {
	Level     Level
	Title     string
	File      string
	Line      int
	Col       int
	EndLine   int
	EndColumn int
	Message   string
}

// Annotate prints an annotation.
func (c *Console) Annotate(an Annotation) {
	msg := c.Redact(an.Message)
	title := c.Redact(an.Title)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inActions {
		loc := an.File
		if loc != "" && an.Line > 0 {
			loc += ":" + strconv.Itoa(an.Line)
			if an.Col > 0 {
				loc += ":" + strconv.Itoa(an.Col)
			}
		}
		var b strings.Builder
		if loc != "" {
			b.WriteString(loc + ": ")
		}
		b.WriteString(string(an.Level) + ": ")
		if title != "" {
			b.WriteString(title + ": ")
		}
		b.WriteString(msg)
		fmt.Fprintln(c.w, b.String())
		return
	}
	fields := map[string]string{}
	if an.File != "" {
		fields["file"] = an.File
	}
	if an.Line > 0 {
		fields["line"] = strconv.Itoa(an.Line)
	}
	if an.Col > 0 {
		fields["col"] = strconv.Itoa(an.Col)
	}
	if an.EndLine > 0 {
		fields["endLine"] = strconv.Itoa(an.EndLine)
	}
	if an.EndColumn > 0 {
		fields["endColumn"] = strconv.Itoa(an.EndColumn)
	}
	if title != "" {
		fields["title"] = title
	}
	a := c.a
	if len(fields) > 0 {
		a = c.a.WithFieldsMap(fields)
	}
	switch an.Level {
	case LevelError:
		a.Errorf("%s", msg)
	case LevelWarning:
		a.Warningf("%s", msg)
	default:
		a.Noticef("%s", msg)
	}
}

// Errorf prints an error annotation without a location.
func (c *Console) Errorf(format string, args ...any) {
	c.Annotate(Annotation{Level: LevelError, Message: fmt.Sprintf(format, args...)})
}

// Warningf prints a warning annotation without a location.
func (c *Console) Warningf(format string, args ...any) {
	c.Annotate(Annotation{Level: LevelWarning, Message: fmt.Sprintf(format, args...)})
}

// Noticef prints a notice annotation without a location.
func (c *Console) Noticef(format string, args ...any) {
	c.Annotate(Annotation{Level: LevelNotice, Message: fmt.Sprintf(format, args...)})
}

// Group starts a collapsible log group and returns the function that ends
// it. Outside Actions it prints a heading.
func (c *Console) Group(title string) (end func()) {
	title = c.Redact(title)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inActions {
		c.a.Group(title)
		return func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.a.EndGroup()
		}
	}
	fmt.Fprintln(c.w, "== "+title)
	return func() {}
}

// SetOutput records an output. Inside Actions it goes to $GITHUB_OUTPUT;
// outside, outputs are kept and printed by PrintOutputs.
func (c *Console) SetOutput(name, value string) {
	value = c.Redact(value)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outputs[name] = value
	c.fileCommand("output", name, value)
}

// SetEnv sets an environment variable for the later steps of the job
// ($GITHUB_ENV); without that file it does nothing.
func (c *Console) SetEnv(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fileCommand("env", name, value)
}

// SaveState keeps a value for the action's post step ($GITHUB_STATE);
// without that file it does nothing.
func (c *Console) SaveState(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fileCommand("state", name, value)
}

var fileCommandName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// fileCommand appends name=value to the file of kind (output, env, state)
// named by GITHUB_<KIND>. It is the only writer of those files.
//
// go-githubactions' SetOutput, SetEnv and SaveState write every value as a
// heredoc closed by one fixed, public delimiter, so a value holding that
// delimiter on a line of its own ends the heredoc early and the lines after
// it become outputs (or environment variables) of their own. Here each
// value gets a fresh random delimiter that does not occur in it, as the
// runner's own toolkit does
// (https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#multiline-strings).
// Names come from our code: a name the runner would misread is a bug.
func (c *Console) fileCommand(kind, name, value string) {
	if c.getenv("GITHUB_"+strings.ToUpper(kind)) == "" {
		return
	}
	if !fileCommandName.MatchString(name) {
		panic(fmt.Sprintf("invalid %s name %q", kind, name))
	}
	delim := heredocDelimiter(value)
	c.a.IssueFileCommand(&githubactions.Command{Name: kind, Message: name + "<<" + delim + "\n" + value + "\n" + delim})
}

// heredocDelimiter returns a random delimiter that is not part of value.
func heredocDelimiter(value string) string {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("failed to read random bytes for a heredoc delimiter: %v", err))
		}
		d := "ghadelimiter_" + hex.EncodeToString(b[:])
		if !strings.Contains(value, d) {
			return d
		}
	}
}

// Outputs returns a copy of the outputs set so far.
func (c *Console) Outputs() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.outputs))
	for k, v := range c.outputs {
		out[k] = v
	}
	return out
}

// AddSummary appends markdown to the job summary ($GITHUB_STEP_SUMMARY).
// Outside Actions the markdown is kept and printed by Flush.
func (c *Console) AddSummary(markdown string) {
	markdown = c.Redact(markdown)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getenv("GITHUB_STEP_SUMMARY") != "" {
		// go-githubactions appends a newline; keep the file byte-for-byte
		// what the same calls print outside Actions.
		c.a.AddStepSummary(strings.TrimSuffix(markdown, "\n"))
		return
	}
	c.summary.WriteString(markdown)
	if !strings.HasSuffix(markdown, "\n") {
		c.summary.WriteString("\n")
	}
}

// Summary returns the summary markdown kept outside Actions.
func (c *Console) Summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.summary.String()
}

// Flush prints, outside Actions, the kept summary and outputs, so a local
// run shows what a workflow run would show. Inside Actions it does nothing.
func (c *Console) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getenv("GITHUB_STEP_SUMMARY") == "" && c.summary.Len() > 0 {
		fmt.Fprintln(c.w, "")
		fmt.Fprint(c.w, c.summary.String())
	}
	if c.getenv("GITHUB_OUTPUT") == "" && len(c.outputs) > 0 {
		names := make([]string, 0, len(c.outputs))
		for k := range c.outputs {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintln(c.w, "\noutputs:")
		for _, k := range names {
			v := c.outputs[k]
			if strings.Contains(v, "\n") || len(v) > 200 {
				v = strings.SplitN(v, "\n", 2)[0]
				if len(v) > 200 {
					v = v[:200]
				}
				v += " …"
			}
			fmt.Fprintf(c.w, "  %s: %s\n", k, v)
		}
	}
}
