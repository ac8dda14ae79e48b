package cost

import "fmt"

// spot recommends Fargate Spot for a Linux service outside production.
// Spot tasks can be stopped with two minutes' warning, which production
// must not take; Windows tasks cannot run on Spot.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
func spot(s *subject) *Recommendation {
	if s.opts.isProd(s.svc.Environment) || !s.svc.linux() || s.next.Spot >= 1 {
		return nil
	}
	from := s.next.Spot
	s.next.Spot = 1
	return &Recommendation{
		Kind:    KindSpot,
		Summary: fmt.Sprintf("capacity provider FARGATE_SPOT for all tasks (today %.0f %%)", 100*from),
		Risk:    spotRisk(s.next.ARM),
		Change:  spotChange(s.svc.Terraform),
	}
}

func spotChange(src Sources) Change {
	note := "give the service capacity_provider_strategy { capacity_provider = \"FARGATE_SPOT\", weight = 1 } in place of launch_type" +
		where(src, FieldServiceBlock)
	if at, ok := src[FieldProvider]; ok {
		if e, ok := setValue(at, "FARGATE_SPOT", func(v string) bool { return v == "FARGATE" }); ok {
			return changeOf([]edit{e}, 1, note)
		}
		return Change{Note: note}
	}
	strategy := []string{"capacity_provider_strategy {", `  capacity_provider = "FARGATE_SPOT"`, "  weight            = 1", "}"}
	if at, ok := src[FieldLaunchType]; ok {
		lines := indented(indentOf(at.Text), strategy...)
		return changeOf([]edit{{at: at, replace: true, lines: lines}}, 1, note)
	}
	if at, ok := src[FieldServiceBlock]; ok {
		return changeOf([]edit{{at: at, lines: block(at, strategy...)}}, 1, note)
	}
	return Change{Note: note}
}

func spotRisk(arm bool) string {
	r := fmt.Sprintf("AWS can stop Spot tasks with two minutes' warning when it needs the capacity back; the saving assumes the %.0f %% "+
		"discount AWS advertises as its most, actual Spot prices vary", 100*SpotDiscount)
	if arm {
		r += "; ARM64 tasks need platform version 1.4.0 or later on Spot"
	}
	return r
}
