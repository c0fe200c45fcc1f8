package mslint.org001

test_deployment_without_team_label_is_denied if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {
			"name": "web",
			"namespace": "shop",
			"labels": {"app": "web"},
		},
		"spec": {"replicas": 2},
	}
	count(results) == 1
	results == {{
		"msg": "Deployment shop/web has no team label: add metadata.labels.team with the name of the team that owns it",
		"path": ["metadata", "labels"],
	}}
}

test_cronjob_without_labels_points_at_metadata_and_default_namespace if {
	results := deny with input as {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "nightly"},
		"spec": {"schedule": "0 3 * * *"},
	}
	count(results) == 1
	some r in results
	r.path == ["metadata"]
	r.msg == "CronJob default/nightly has no team label: add metadata.labels.team with the name of the team that owns it"
}

test_empty_team_label_is_denied if {
	results := deny with input as {
		"kind": "StatefulSet",
		"metadata": {"name": "db", "namespace": "data", "labels": {"team": ""}},
	}
	count(results) == 1
}

test_deployment_with_team_label_is_allowed if {
	results := deny with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {
			"name": "web",
			"namespace": "shop",
			"labels": {"app": "web", "team": "storefront"},
		},
	}
	count(results) == 0
}

test_non_workload_is_ignored if {
	results := deny with input as {
		"apiVersion": "v1",
		"kind": "Service",
		"metadata": {"name": "web", "namespace": "shop"},
	}
	count(results) == 0
}
