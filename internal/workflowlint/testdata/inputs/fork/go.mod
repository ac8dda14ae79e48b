// A stand-in for an ecsflow checkout: the check finds it by this module line.
module github.com/ecsflow/ecsflow

go 1.26
