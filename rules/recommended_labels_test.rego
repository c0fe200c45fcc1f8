package mslint.org005

test_each_missing_label_warns_once if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web", "namespace": "shop", "labels": {"team": "storefront"}},
	}
	count(results) == 2
	results == {
		{
			"msg": "Deployment shop/web is missing the recommended label app.kubernetes.io/name: add it to metadata.labels",
			"path": ["metadata", "labels"],
		},
		{
			"msg": "Deployment shop/web is missing the recommended label app.kubernetes.io/part-of: add it to metadata.labels",
			"path": ["metadata", "labels"],
		},
	}
}

test_one_missing_label_warns_once if {
	results := warn with input as {
		"apiVersion": "batch/v1",
		"kind": "Job",
		"metadata": {"name": "migrate", "labels": {"app.kubernetes.io/name": "migrate"}},
	}
	count(results) == 1
	some r in results
	r.msg == "Job default/migrate is missing the recommended label app.kubernetes.io/part-of: add it to metadata.labels"
	r.path == ["metadata", "labels"]
}

test_no_labels_points_at_metadata if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "DaemonSet",
		"metadata": {"name": "agent", "namespace": "ops"},
	}
	count(results) == 2
	paths := {r.path | some r in results}
	paths == {["metadata"]}
}

test_workload_with_both_labels_passes if {
	results := warn with input as {
		"apiVersion": "apps/v1",
		"kind": "StatefulSet",
		"metadata": {
			"name": "db",
			"namespace": "data",
			"labels": {"app.kubernetes.io/name": "postgres", "app.kubernetes.io/part-of": "shop"},
		},
	}
	count(results) == 0
}

test_non_workload_is_ignored if {
	results := warn with input as {
		"apiVersion": "v1",
		"kind": "ConfigMap",
		"metadata": {"name": "settings"},
	}
	count(results) == 0
}
