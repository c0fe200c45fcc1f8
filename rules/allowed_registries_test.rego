package mslint.org002

test_deployment_with_docker_hub_image_is_denied_at_its_path if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": {"template": {"spec": {"containers": [
			{"name": "sidecar", "image": "registry.example.com/envoy:1.30"},
			{"name": "web", "image": "nginx:1.25"},
		]}}},
	}
	count(results) == 1
	results == {{
		"msg": "Deployment shop/web: container \"web\" uses image \"nginx:1.25\", which is not from an allowed registry; push the image to registry.example.com/ or ghcr.io/example/ and use that reference",
		"path": ["spec", "template", "spec", "containers", 1, "image"],
	}}
}

test_cronjob_init_container_is_checked if {
	results := deny with input as {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "nightly"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {
			"initContainers": [{"name": "migrate", "image": "ghcr.io/other/migrate:2"}],
			"containers": [{"name": "job", "image": "ghcr.io/example/job:3"}],
		}}}}},
	}
	count(results) == 1
	some r in results
	r.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "image"]
	r.msg == "CronJob default/nightly: init container \"migrate\" uses image \"ghcr.io/other/migrate:2\", which is not from an allowed registry; push the image to registry.example.com/ or ghcr.io/example/ and use that reference"
}

test_pod_reports_each_offending_image if {
	results := deny with input as {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "debug", "namespace": "ops"},
		"spec": {"containers": [
			{"name": "a", "image": "busybox"},
			{"name": "b", "image": "registry.example.com.evil.io/b:1"},
		]},
	}
	count(results) == 2
	paths := {r.path | some r in results}
	paths == {["spec", "containers", 0, "image"], ["spec", "containers", 1, "image"]}
}

test_images_from_allowed_registries_pass if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "StatefulSet",
		"metadata": {"name": "db", "namespace": "data"},
		"spec": {"template": {"spec": {
			"initContainers": [{"name": "init", "image": "ghcr.io/example/init:1.0"}],
			"containers": [{"name": "db", "image": "registry.example.com/postgres:16"}],
		}}},
	}
	count(results) == 0
}

test_objects_without_pod_template_are_ignored if {
	results := deny with input as {
		"apiVersion": "v1",
		"kind": "ConfigMap",
		"metadata": {"name": "settings"},
		"data": {"image": "nginx"},
	}
	count(results) == 0
}
