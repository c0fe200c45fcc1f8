package mslint.org003

test_latest_tag_in_prod_is_denied_at_its_path if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "prod"},
		"spec": {"template": {"spec": {"containers": [
			{"name": "proxy", "image": "registry.example.com/envoy:1.30.1"},
			{"name": "web", "image": "registry.example.com/web:latest"},
		]}}},
	}
	count(results) == 1
	results == {{
		"msg": "Deployment prod/web: container \"web\" uses image \"registry.example.com/web:latest\" with the tag latest; pin it to a version tag or a digest (@sha256:...) in namespace prod",
		"path": ["spec", "template", "spec", "containers", 1, "image"],
	}}
}

test_untagged_image_behind_registry_port_is_denied if {
	results := deny with input as {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "report", "namespace": "prod"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {
			"initContainers": [{"name": "fetch", "image": "registry.example.com:5000/tools/fetch"}],
			"containers": [{"name": "report", "image": "registry.example.com:5000/tools/report:2.0"}],
		}}}}},
	}
	count(results) == 1
	some r in results
	r.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "image"]
	r.msg == "CronJob prod/report: init container \"fetch\" uses image \"registry.example.com:5000/tools/fetch\" without a tag, which means latest; pin it to a version tag or a digest (@sha256:...) in namespace prod"
}

test_pinned_images_in_prod_pass if {
	results := deny with input as {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "api", "namespace": "prod"},
		"spec": {"containers": [
			{"name": "api", "image": "registry.example.com/api:3.2.1"},
			{"name": "digest", "image": "registry.example.com/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
			{"name": "both", "image": "registry.example.com/agent:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		]},
	}
	count(results) == 0
}

test_latest_outside_prod_is_not_this_rules_business if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "staging"},
		"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:latest"}]}}},
	}
	count(results) == 0
}

test_no_namespace_is_not_prod if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web"}]}}},
	}
	count(results) == 0
}
