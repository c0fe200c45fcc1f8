# ORG003 no-latest-in-prod
#
# In the namespace `prod`, no container or init container image uses the tag
# `latest` or has no tag at all (which means `latest`). An image pinned by
# digest (`name@sha256:...`) is fine, with or without a tag.
package mslint.org003

__rego_metadata__ := {
	"id": "ORG003",
	"title": "no-latest-in-prod",
	"severity": "error",
	"description": "Images of workloads in the namespace prod have a version tag other than latest, or a digest.",
	"help": "Pin the image to a version tag (app:1.4.2) or a digest (app@sha256:...); never run latest or an untagged image in prod.",
}

prod_namespace := "prod"

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

# Every image of the pod spec with the path of its `image` key.
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

# The tag of an image reference: what follows the `:` of its last path
# segment (a registry port, as in localhost:5000/app, is not a tag).
# Undefined when the image has no tag (or an empty one, as in "app:").
image_tag(image) := tag if {
	segments := split(image, "/")
	last := segments[count(segments) - 1]
	parts := split(last, ":")
	count(parts) == 2
	tag := parts[1]
	tag != ""
}

# name@sha256:... (or any other digest algorithm) pins the exact image.
pinned_by_digest(image) if contains(image, "@")

problem(image) := "with the tag latest" if {
	not pinned_by_digest(image)
	image_tag(image) == "latest"
}

problem(image) := "without a tag, which means latest" if {
	not pinned_by_digest(image)
	not image_tag(image)
}

deny contains result if {
	input.metadata.namespace == prod_namespace
	some entry in images
	reason := problem(entry.image)
	result := {
		"msg": sprintf(
			"%s %s/%s: %s \"%s\" uses image \"%s\" %s; pin it to a version tag or a digest (@sha256:...) in namespace %s",
			[input.kind, prod_namespace, name, field_label[entry.field], entry.name, entry.image, reason, prod_namespace],
		),
		"path": entry.path,
	}
}
