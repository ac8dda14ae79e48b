package drift

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

// scanScheduledActions reads the scheduled actions of every namespace the
// state names (API reference: DescribeScheduledActions). An action the
// state knows is compared; an action on a scalable target the state
// manages that no state knows is unmanaged: it changes the target's
// bounds when it fires, behind Terraform's back.
func scanScheduledActions(ctx context.Context, s *Scanner, actions, targets []*item) error {
	byKey := map[string]*item{}
	namespaces := map[string]bool{}
	for _, it := range append(append([]*item{}, actions...), targets...) {
		namespaces[it.obj.String("service_namespace")] = true
	}
	for _, it := range actions {
		byKey[it.obj.String("service_namespace")+"|"+it.obj.String("resource_id")+"|"+it.obj.String("name")] = it
	}
	scope := scheduledScope{known: map[string]bool{}, managed: map[string]string{}}
	for _, o := range s.stateOf("aws_appautoscaling_scheduled_action") {
		scope.known[o.String("service_namespace")+"|"+o.String("resource_id")+"|"+o.String("name")] = true
	}
	for _, o := range s.stateOf("aws_appautoscaling_target") {
		scope.managed[o.String("service_namespace")+"|"+o.String("resource_id")] = o.Address
	}
	for _, ns := range sortedKeys(namespaces) {
		err := pages(ctx, s, func(token *string) (*string, error) {
			out, err := s.c.Autoscaling.DescribeScheduledActions(ctx, &aas.DescribeScheduledActionsInput{ServiceNamespace: aastypes.ServiceNamespace(ns), NextToken: token})
			if err != nil {
				return nil, err
			}
			for _, a := range out.ScheduledActions {
				scope.record(s, ns, a, byKey)
			}
			return out.NextToken, nil
		})
		if perm, ok := AccessDenied(err); ok {
			// Targets and policies are still compared; the actions are not.
			s.markNotChecked(map[string][]*item{"aws_appautoscaling_scheduled_action": actions}, "access denied", perm)
			s.partial("aws_appautoscaling_target", "unmanaged scheduled actions", err)
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// scheduledScope is what the whole state knows: its scheduled actions
// (namespace|resource|name) and its scalable targets (namespace|resource →
// address), the scope in which an unknown action is unmanaged.
type scheduledScope struct {
	known   map[string]bool
	managed map[string]string
}

// record notes one live action on its state item, or as unmanaged when
// it acts on a managed target and no state knows it.
func (sc scheduledScope) record(s *Scanner, ns string, a aastypes.ScheduledAction, byKey map[string]*item) {
	rid, name := aws.ToString(a.ResourceId), aws.ToString(a.ScheduledActionName)
	key := ns + "|" + rid + "|" + name
	it := byKey[key]
	if it == nil {
		if parent, ok := sc.managed[ns+"|"+rid]; ok && !sc.known[key] {
			s.addUnmanaged(Finding{Type: "aws_appautoscaling_scheduled_action", ID: name, Parent: parent,
				Note: fmt.Sprintf("scheduled action %s (%s) on %s is in the account but in no state", name, aws.ToString(a.Schedule), rid)})
		}
		return
	}
	it.found, it.arn = true, aws.ToString(a.ScheduledActionARN)
	it.live = map[string]any{"schedule": aws.ToString(a.Schedule)}
	if t := a.ScalableTargetAction; t != nil {
		it.live["scalable_target_action"] = []any{map[string]any{"min_capacity": optInt(t.MinCapacity), "max_capacity": optInt(t.MaxCapacity)}}
	}
}

// optInt renders an optional bound as the provider stores it (a string,
// empty when unset).
func optInt(v *int32) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(int(*v))
}
