package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// DiscoveryAPI is the part of the Cloud Map API drift-check reads.
type DiscoveryAPI interface {
	GetService(ctx context.Context, in *sd.GetServiceInput, optFns ...func(*sd.Options)) (*sd.GetServiceOutput, error)
	ListTagsForResource(ctx context.Context, in *sd.ListTagsForResourceInput, optFns ...func(*sd.Options)) (*sd.ListTagsForResourceOutput, error)
}

// discoveryHandler reads Cloud Map services.
var discoveryHandler = handler{
	types: []typeSpec{
		{"aws_service_discovery_service", spec{
			maps: map[string]bool{"tags": true},
			sets: map[string][]string{},
		}},
	},
	need: func(c Clients) bool { return c.Discovery != nil },
	run:  scanDiscovery,
}

func scanDiscovery(ctx context.Context, s *Scanner, items map[string][]*item) error {
	return each(ctx, items["aws_service_discovery_service"], func(it *item) error {
		out, err := call(ctx, s, func() (*sd.GetServiceOutput, error) {
			return s.c.Discovery.GetService(ctx, &sd.GetServiceInput{Id: aws.String(it.obj.ID())})
		})
		if err != nil {
			if isCode(err, "ServiceNotFound") {
				return nil
			}
			return err
		}
		svc := out.Service
		it.found, it.arn = true, aws.ToString(svc.Arn)
		it.live = map[string]any{"name": aws.ToString(svc.Name), "description": aws.ToString(svc.Description)}
		if dc := svc.DnsConfig; dc != nil {
			var recs []any
			for _, r := range dc.DnsRecords {
				recs = append(recs, map[string]any{"ttl": int(aws.ToInt64(r.TTL)), "type": string(r.Type)})
			}
			it.live["dns_config"] = []any{map[string]any{"routing_policy": string(dc.RoutingPolicy), "dns_records": recs}}
		}
		tags, err := call(ctx, s, func() (*sd.ListTagsForResourceOutput, error) {
			return s.c.Discovery.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: svc.Arn})
		})
		if err != nil {
			if s.partial("aws_service_discovery_service", "tags", err) {
				return nil
			}
			return err
		}
		m := map[string]any{}
		for _, t := range tags.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		it.live["tags"] = m
		return nil
	})
}
