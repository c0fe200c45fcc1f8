# ORG004 replica-ceiling
#
# A Deployment or StatefulSet asking for more than 50 replicas is most likely
# a typo or a job for an autoscaler; it is worth a second look (a warning).
package mslint.org004

__rego_metadata__ := {
	"id": "ORG004",
	"title": "replica-ceiling",
	"severity": "warning",
	"description": "A Deployment or StatefulSet has at most 50 replicas in spec.replicas.",
	"help": "Lower spec.replicas to 50 or fewer, or let a HorizontalPodAutoscaler scale the workload within agreed bounds.",
}

max_replicas := 50

default namespace := "default"

namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
}

name := object.get(input, ["metadata", "name"], "<unnamed>")

warn contains result if {
	input.kind in {"Deployment", "StatefulSet"}
	replicas := input.spec.replicas
	is_number(replicas)
	replicas > max_replicas
	result := {
		"msg": sprintf(
			"%s %s/%s asks for %v replicas, above the ceiling of %d; lower spec.replicas to %d or fewer, or use a HorizontalPodAutoscaler",
			[input.kind, namespace, name, replicas, max_replicas, max_replicas],
		),
		"path": ["spec", "replicas"],
	}
}
