package mslint.org004

test_deployment_above_ceiling_warns if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": {"replicas": 120},
	}
	count(results) == 1
	results == {{
		"msg": "Deployment shop/web asks for 120 replicas, above the ceiling of 50; lower spec.replicas to 50 or fewer, or use a HorizontalPodAutoscaler",
		"path": ["spec", "replicas"],
	}}
}

test_statefulset_just_above_ceiling_warns_in_default_namespace if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "StatefulSet",
		"metadata": {"name": "db"},
		"spec": {"replicas": 51},
	}
	count(results) == 1
	some r in results
	r.path == ["spec", "replicas"]
	startswith(r.msg, "StatefulSet default/db asks for 51 replicas")
}

test_replicas_at_ceiling_pass if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "shop"},
		"spec": {"replicas": 50},
	}
	count(results) == 0
}

test_no_replicas_field_passes if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {},
	}
	count(results) == 0
}

test_other_kinds_are_ignored if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "ReplicaSet",
		"metadata": {"name": "web"},
		"spec": {"replicas": 500},
	}
	count(results) == 0
}
