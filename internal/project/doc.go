// Package project reads ecsflow.yaml, the file in which a repository
// declares its layout: the images it builds (build context, Dockerfile,
// ECR repository), the ECS services that run them (task-definition file,
// container, strategy per environment) and the environments (cluster).
//
// Parse checks the file as data and returns every problem with the line it
// is on; Changed and Plan turn a parsed file into the build and deploy
// matrices the reusable workflows run. The format is described in
// docs/ecsflow-yaml.md and docs/ecsflow.schema.json; a test holds the schema
// and the keys Parse knows to each other.
package project
