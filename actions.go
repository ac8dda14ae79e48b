package ecsflow

// Actions lists the six actions in the order the root action.yml
// documents them; each is built from actions/<name> into ecsflow-<name>.
// docgen, the contract and dependency tests and the e2e harness read this
// list, and a test holds the Makefile's ACTIONS and the scripts' (release,
// setup-binary, the contract bench) to it.
var Actions = []string{"validate", "build-push", "deploy-ecs", "drift-check", "rollback", "optimize"}
