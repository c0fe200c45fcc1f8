# ORG001 team-label-required
#
# Every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) carries a
# non-empty `team` label in metadata.labels, so that an alert or a cost report
# can be routed to the team that owns it.
package mslint.org001

__rego_metadata__ := {
	"id": "ORG001",
	"title": "team-label-required",
	"severity": "error",
	"description": "Every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) has a non-empty team label in metadata.labels.",
	"help": "Add metadata.labels.team with the name of the owning team, for example `team: payments`.",
}

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}

default namespace := "default"

namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
}

name := object.get(input, ["metadata", "name"], "<unnamed>")

# The finding lands on metadata.labels when the object has labels, on
# metadata otherwise.
default label_path := ["metadata"]

label_path := ["metadata", "labels"] if {
	is_object(input.metadata.labels)
}

has_team_label if {
	team := input.metadata.labels.team
	team != ""
}

deny contains result if {
	input.kind in workload_kinds
	not has_team_label
	result := {
		"msg": sprintf(
			"%s %s/%s has no team label: add metadata.labels.team with the name of the team that owns it",
			[input.kind, namespace, name],
		),
		"path": label_path,
	}
}
