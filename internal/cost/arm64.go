package cost

import (
	"fmt"
	"slices"
	"strings"
)

// arm64 recommends Graviton (ARM64) for a Linux x86_64 task when every
// one of its images lists linux/arm64. An image whose platforms are not
// known blocks the recommendation as "not enough data": running an
// amd64-only image on ARM64 fails at start, so it is never guessed.
func arm64(s *subject) *Recommendation {
	if s.next.ARM || !s.svc.linux() || len(s.svc.Images) == 0 {
		return nil
	}
	for _, im := range s.svc.Images {
		if im.Platforms == nil {
			note := fmt.Sprintf("arm64: not enough data: the platforms of %s are not known", im.Ref)
			if im.Unreadable != "" {
				note += " (" + im.Unreadable + ")"
			}
			s.notes = append(s.notes, note)
			return nil
		}
		if !slices.Contains(im.Platforms, "linux/arm64") {
			s.notes = append(s.notes, fmt.Sprintf("arm64: %s lists only %s", im.Ref, strings.Join(im.Platforms, ", ")))
			return nil
		}
	}
	s.next.ARM = true
	return &Recommendation{
		Kind:    KindARM64,
		Summary: "cpu_architecture X86_64 → ARM64",
		Risk:    "every image lists linux/arm64, but native code and performance can differ on Graviton: deploy to a non-production environment first",
		Change:  arm64Change(s.svc.Terraform),
	}
}

func arm64Change(src Sources) Change {
	note := "set runtime_platform { cpu_architecture = \"ARM64\" } on the task definition" + where(src, FieldTaskBlock)
	if at, ok := src[FieldArchitecture]; ok {
		if e, ok := setValue(at, "ARM64", func(v string) bool { return strings.EqualFold(v, "X86_64") }); ok {
			return changeOf([]edit{e}, 1, note)
		}
		return Change{Note: note}
	}
	at, ok := src[FieldTaskBlock]
	if !ok {
		return Change{Note: note}
	}
	lines := block(at, "runtime_platform {", `  cpu_architecture        = "ARM64"`, `  operating_system_family = "LINUX"`, "}")
	return changeOf([]edit{{at: at, lines: lines}}, 1, note)
}
