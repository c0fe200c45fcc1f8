# ORG005 recommended-labels
#
# Every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) carries the
# Kubernetes recommended labels app.kubernetes.io/name and
# app.kubernetes.io/part-of, so that dashboards and tools can group it.
# One warning per missing label.
package mslint.org005

__rego_metadata__ := {
	"id": "ORG005",
	"title": "recommended-labels",
	"severity": "warning",
	"description": "Workloads carry the labels app.kubernetes.io/name and app.kubernetes.io/part-of.",
	"help": "Add the missing labels to metadata.labels, e.g. app.kubernetes.io/name: web and app.kubernetes.io/part-of: shop.",
}

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}

recommended_labels := ["app.kubernetes.io/name", "app.kubernetes.io/part-of"]

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

has_label(label) if {
	value := input.metadata.labels[label]
	value != ""
}

warn contains result if {
	input.kind in workload_kinds
	some label in recommended_labels
	not has_label(label)
	result := {
		"msg": sprintf(
			"%s %s/%s is missing the recommended label %s: add it to metadata.labels",
			[input.kind, namespace, name, label],
		),
		"path": label_path,
	}
}
