# ORG002 allowed-registries
#
# Every container and init container image of a pod template comes from one
# of the organisation's registries: registry.example.com/ or ghcr.io/example/.
# Pod templates are read from Deployment, StatefulSet, DaemonSet and Job
# (spec.template.spec), CronJob (spec.jobTemplate.spec.template.spec) and
# Pod (spec).
package mslint.org002

__rego_metadata__ := {
	"id": "ORG002",
	"title": "allowed-registries",
	"severity": "error",
	"description": "Container and init container images come from registry.example.com/ or ghcr.io/example/.",
	"help": "Push the image to registry.example.com/ or ghcr.io/example/ (mirror a public image there) and reference it from that registry.",
}

allowed_prefixes := ["registry.example.com/", "ghcr.io/example/"]

default namespace := "default"

namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
}

name := object.get(input, ["metadata", "name"], "<unnamed>")

# Where the pod spec sits in the object, as a path from the root.
pod_spec_path := ["spec", "template", "spec"] if {
	input.kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}
}

pod_spec_path := ["spec", "jobTemplate", "spec", "template", "spec"] if {
	input.kind == "CronJob"
}

pod_spec_path := ["spec"] if {
	input.kind == "Pod"
}

# Every image of the pod spec with the path of its `image` key, e.g.
# {"field": "containers", "name": "web", "image": "nginx",
#  "path": ["spec", "template", "spec", "containers", 0, "image"]}.
images contains entry if {
	some field in ["containers", "initContainers"]
	list := object.get(input, array.concat(pod_spec_path, [field]), [])
	is_array(list)
	some i, container in list
	image := container.image
	is_string(image)
	entry := {
		"field": field,
		"name": object.get(container, "name", sprintf("#%d", [i])),
		"image": image,
		"path": array.concat(pod_spec_path, [field, i, "image"]),
	}
}

# How a message names the list a container is in.
field_label := {"containers": "container", "initContainers": "init container"}

allowed(image) if {
	some prefix in allowed_prefixes
	startswith(image, prefix)
}

deny contains result if {
	some entry in images
	not allowed(entry.image)
	result := {
		"msg": sprintf(
			"%s %s/%s: %s \"%s\" uses image \"%s\", which is not from an allowed registry; push the image to registry.example.com/ or ghcr.io/example/ and use that reference",
			[input.kind, namespace, name, field_label[entry.field], entry.name, entry.image],
		),
		"path": entry.path,
	}
}
