// Package drift compares the resources recorded in a Terraform state with
// the live AWS account, for the resource types an ECS Fargate stack is made
// of, and classifies what differs.
//
// A Scanner reads live resources through small per-service interfaces (the
// SDK clients satisfy them; tests use moto or fakes), in batches and with
// bounded concurrency. Each state object becomes either in sync, changed
// (attribute before → after), or missing; live resources inside a managed
// scope that no state knows (a service in a managed cluster, a target group
// on a managed load balancer, a rule on a managed listener, an ingress rule
// on a managed security group) are unmanaged. Every finding is classified
// safe (tags, descriptions, a task definition that only differs from the
// last good one recorded by deploy-ecs), review, or critical (deletions,
// security-group openings, IAM changes).
//
// Types the scanner does not cover are reported as not checked, never as
// drift; a type whose read is denied is not checked too, with the missing
// permission, and the rest of the scan goes on.
package drift
