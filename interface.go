// Package ecsflow embeds what callers of ecsflow write against: the
// action.yml of the root action and of each action, and the reusable
// workflows with their workflow_call inputs. A binary checks a caller's
// workflow against these copies (the interface of the release it was built
// from) without the repository at hand.
package ecsflow

import "embed"

// Interface holds action.yml, actions/<name>/action.yml and
// .github/workflows/*.yml at the paths they have in the repository.
//
//go:embed action.yml actions/*/action.yml .github/workflows/*.yml
var Interface embed.FS
