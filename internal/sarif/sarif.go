// Package sarif writes validate's findings as SARIF 2.1.0, the format
// GitHub code scanning ingests (upload with github/codeql-action/upload-sarif).
//
// Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
// GitHub's subset: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/ecsflow/ecsflow/internal/rules"
)

// Version and schema of the documents we write.
const (
	Version   = "2.1.0"
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
)

// Log is a SARIF log with one run.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one tool run.
type Run struct {
	Tool               Tool                   `json:"tool"`
	Results            []Result               `json:"results"`
	ColumnKind         string                 `json:"columnKind"`
	OriginalURIBaseIDs map[string]ArtifactLoc `json:"originalUriBaseIds,omitempty"`
	AutomationDetails  *AutomationDetails     `json:"automationDetails,omitempty"`
}

// AutomationDetails identifies the run category (GitHub separates uploads by it).
type AutomationDetails struct {
	ID string `json:"id"`
}

// Tool describes the analyser.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component with the rule metadata.
type Driver struct {
	Name           string                `json:"name"`
	Version        string                `json:"version,omitempty"`
	InformationURI string                `json:"informationUri,omitempty"`
	Rules          []ReportingDescriptor `json:"rules"`
}

// ReportingDescriptor is a rule's metadata.
type ReportingDescriptor struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     Text           `json:"shortDescription"`
	FullDescription      Text           `json:"fullDescription"`
	Help                 Text           `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration Configuration  `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default level.
type Configuration struct {
	Level string `json:"level"`
}

// Text is a message string (with optional markdown).
type Text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
}

// Suppression records why a result is suppressed.
type Suppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Location is a physical location.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
}

// PhysicalLocation is a file and region.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLoc `json:"artifactLocation"`
	Region           *Region     `json:"region,omitempty"`
}

// ArtifactLoc is a file URI relative to a base.
type ArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a range of lines and columns (1-based).
type Region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// Options describe the run.
type Options struct {
	ToolVersion string
	// HelpURI is the base of the rules reference; "#<id>" is appended.
	HelpURI string
	// Category distinguishes several validate uploads in one repository.
	Category string
}

// Level maps a severity to a SARIF level.
func Level(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// Build turns a result into a SARIF log. Every rule of the catalogue is
// listed, so code scanning can show rule help even for rules without
// results; suppressed findings are included with their justification.
func Build(res rules.Result, opts Options) *Log {
	cat := rules.Catalogue()
	index := map[string]int{}
	d := Driver{Name: "ecsflow-validate", Version: opts.ToolVersion, InformationURI: "https://github.com/ecsflow/ecsflow"}
	for i, r := range cat {
		index[r.ID] = i
		help := fmt.Sprintf("%s\n\nFix: %s", r.Doc, r.Remediation)
		desc := ReportingDescriptor{
			ID: r.ID, Name: ruleName(r.Title),
			ShortDescription:     Text{Text: r.Title},
			FullDescription:      Text{Text: r.Doc},
			Help:                 Text{Text: help, Markdown: fmt.Sprintf("%s\n\n**Fix:** %s", r.Doc, r.Remediation)},
			DefaultConfiguration: Configuration{Level: Level(r.Severity)},
			Properties:           map[string]any{"tags": []string{"ecsflow", r.Category}},
		}
		if opts.HelpURI != "" {
			desc.HelpURI = opts.HelpURI + "#" + strings.ToLower(r.ID)
		}
		if sec := securitySeverity(r); sec != "" {
			desc.Properties["security-severity"] = sec
			desc.Properties["tags"] = []string{"ecsflow", r.Category, "security"}
		}
		d.Rules = append(d.Rules, desc)
	}
	for _, fs := range [][]rules.Finding{res.Findings, res.Suppressed} {
		for _, f := range fs {
			if _, ok := index[f.RuleID]; !ok {
				index[f.RuleID] = len(d.Rules)
				d.Rules = append(d.Rules, outsideDescriptor(f))
			}
		}
	}
	run := Run{Tool: Tool{Driver: d}, Results: []Result{}, ColumnKind: "unicodeCodePoints"}
	if opts.Category != "" {
		run.AutomationDetails = &AutomationDetails{ID: opts.Category + "/"}
	}
	add := func(f rules.Finding, suppressed bool) {
		r := Result{RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: Level(f.Severity), Message: Text{Text: message(f)}}
		if f.File != "" {
			loc := PhysicalLocation{ArtifactLocation: ArtifactLoc{URI: uri(f.File), URIBaseID: "%SRCROOT%"}}
			if filepath.IsAbs(f.File) {
				// Outside the repository (a plan in RUNNER_TEMP): a file URI.
				loc.ArtifactLocation = ArtifactLoc{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(f.File)}).String()}
			}
			if f.Line > 0 {
				reg := &Region{StartLine: f.Line, StartColumn: max(f.Column, 1)}
				if f.EndLine >= f.Line {
					reg.EndLine = f.EndLine
					if f.EndColumn > 0 && (f.EndLine > f.Line || f.EndColumn > reg.StartColumn) {
						reg.EndColumn = f.EndColumn
					}
				}
				loc.Region = reg
			}
			r.Locations = []Location{{PhysicalLocation: loc}}
		}
		r.PartialFingerprints = map[string]string{"ecsflowFinding/v1": fingerprint(f)}
		if suppressed {
			kind := "inSource"
			if f.SuppressedBy == "config" {
				kind = "external"
			}
			r.Suppressions = []Suppression{{Kind: kind, Justification: f.Suppression}}
		}
		run.Results = append(run.Results, r)
	}
	for _, f := range res.Findings {
		add(f, false)
	}
	for _, f := range res.Suppressed {
		add(f, true)
	}
	return &Log{Schema: SchemaURI, Version: Version, Runs: []Run{run}}
}

// outsideDescriptor describes a rule that is not in the catalogue (an
// organisation policy) from its first finding.
func outsideDescriptor(f rules.Finding) ReportingDescriptor {
	title := f.Title
	if title == "" {
		title = f.RuleID
	}
	return ReportingDescriptor{
		ID: f.RuleID, Name: ruleName(title),
		ShortDescription:     Text{Text: title},
		FullDescription:      Text{Text: title},
		Help:                 Text{Text: title, Markdown: title},
		DefaultConfiguration: Configuration{Level: Level(f.Severity)},
		Properties:           map[string]any{"tags": []string{"ecsflow", "policy"}},
	}
}

// Write encodes the log as indented JSON.
func Write(w io.Writer, l *Log) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}

func message(f rules.Finding) string {
	msg := f.Message
	if f.Remediation != "" {
		msg += ". Fix: " + f.Remediation
	}
	return msg
}

// fingerprint identifies a finding across commits without its line, so
// code scanning tracks it when lines move.
func fingerprint(f rules.Finding) string {
	h := sha256.Sum256([]byte(f.RuleID + "\x00" + filepath.ToSlash(f.File) + "\x00" + f.Resource + "\x00" + f.Message))
	return hex.EncodeToString(h[:16])
}

func uri(p string) string {
	p = filepath.ToSlash(filepath.Clean(p))
	p = strings.TrimPrefix(p, "./")
	// Percent-encode what a URI reference cannot hold literally.
	r := strings.NewReplacer("%", "%25", " ", "%20", "#", "%23", "?", "%3F")
	return r.Replace(p)
}

func ruleName(title string) string {
	var b strings.Builder
	up := true
	for _, r := range title {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// securitySeverity is GitHub's numeric severity for security rules.
func securitySeverity(r *rules.Rule) string {
	switch r.Category {
	case "iam", "network", "state", "alb", "ecr", "gitops":
	default:
		if r.ID != "EF207" && r.ID != "EF208" {
			return ""
		}
	}
	switch r.Severity {
	case rules.Error:
		return "8.0"
	case rules.Warning:
		return "5.0"
	}
	return "2.0"
}
