#!/usr/bin/env python3
"""Turn CustomResourceDefinitions into the field table MS002 checks custom resources against.

Usage:
    python3 scripts/crd-schemas.py [--base TABLE.json] CRD.yaml [CRD.yaml ...] > crds.json

Every `CustomResourceDefinition` in the given files is read (other documents are skipped), and
each served version's `openAPIV3Schema` is reduced to what a field-name check needs:

    {"kinds": {"<group>/<Kind>": {"<version>": ROOT, ..., "*": FALLBACK}},
     "nodes": [NODE, ...]}

A NODE is `{}` (free-form: any key, any value) or an object with any of
    "p": {"<field>": NODE_INDEX, ...}   the listed `properties`: any other key is unknown
    "i": NODE_INDEX                     `items` of a list
    "a": NODE_INDEX                     `additionalProperties`: a map with free keys
Node 0 is always `{}`. Identical subtrees are stored once. Descriptions, types, enums, defaults
and validations are dropped: only the names matter. A node that lists `properties` stays strict
even when it also says `x-kubernetes-preserve-unknown-fields` (Istio marks its specs so: the API
server keeps an unknown key, and Istio ignores it). A node without `properties` (free-form
objects, `x-kubernetes-int-or-string`, scalars) accepts anything.

`"*"` names the version to use for an apiVersion the CRD no longer lists; it is only written for
groups whose versions share their field names (FALLBACK_GROUPS).

`--base TABLE.json` starts from an existing table instead of an empty one: its kinds and nodes are
kept as they are (same node indexes, so the file only grows at the end), and the kinds of the given
CRDs are added, sharing the base's nodes where a subtree is identical. A kind that is already in
the base must come out the same, or the script stops.

A Helm chart's CRD template (such as KEDA's `keda/templates/crds/*.yaml`) can be given as it is:
lines that hold only a template action (`{{- if ... }}`, `{{- end }}`) are dropped and an action
inside a line becomes an empty value. In KEDA's chart such lines are only labels and annotations.

Fields that a release newer than the CRD at hand documents can be listed in LATER_FIELDS: they
are added to the schema as free-form fields before it is reduced.

The sources, their commits and licences are listed in src/model/schema/crds/README.md.
"""

import json
import re
import sys

import yaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    Loader = yaml.SafeLoader

# Groups where an apiVersion missing from the CRD (an older one, such as Gateway API v1alpha2
# HTTPRoute) uses the storage version's fields: these APIs only ever added fields between versions.
FALLBACK_GROUPS = {
    "networking.istio.io",
    "security.istio.io",
    "telemetry.istio.io",
    "gateway.networking.k8s.io",
}

# Versions whose schema is not the real field list. Emissary's v1 and v2 schemas are partial
# (`x-kubernetes-preserve-unknown-fields`, with fields such as `ambassador_id` and `tls` missing):
# its conversion webhook, not the schema, knows their fields. Only v3alpha1 is checked.
SKIP_VERSIONS = {
    ("getambassador.io", "v1"),
    ("getambassador.io", "v2"),
}

# The keys every object may have at its root, whatever its schema lists.
ROOT_FIELDS = ("apiVersion", "kind", "metadata")

# Fields that releases newer than the CRD at hand document, by group and kind: (the path of
# `properties` names from the root, the field). Each is added as a free-form field, so that a
# manifest written for the newer release is not reported; src/model/schema/crds/README.md names
# the documentation. A path the schema lacks stops the script; a field it already has is left be.
LATER_FIELDS = {
    ("keda.sh", "ScaledObject"): [
        ("spec.fallback", "behavior"),
        ("spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown", "tolerance"),
        ("spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp", "tolerance"),
    ],
}


class Table:
    """Interned nodes: index 0 is the free node `{}`."""

    def __init__(self, nodes=None):
        self.nodes = [{}]
        self.index = {self.key({}): 0}
        if nodes is not None:
            if not nodes or nodes[0] != {}:
                sys.exit("the base table's node 0 is not {}")
            self.nodes = list(nodes)
            for at, node in enumerate(self.nodes):
                # The first of two identical nodes keeps the index, as when it was written.
                self.index.setdefault(self.key(node), at)

    @staticmethod
    def key(node):
        return json.dumps(node, sort_keys=True, separators=(",", ":"))

    def intern(self, node):
        key = self.key(node)
        found = self.index.get(key)
        if found is None:
            found = len(self.nodes)
            self.nodes.append(node)
            self.index[key] = found
        return found

    def add(self, schema, extra_fields=()):
        """Index of the node for one schema (a dict from the CRD)."""
        if not isinstance(schema, dict):
            return 0
        node = {}
        properties = schema.get("properties")
        if isinstance(properties, dict):
            fields = {name: self.add(sub) for name, sub in properties.items()}
            if schema.get("x-kubernetes-embedded-resource"):
                extra_fields = (*extra_fields, *ROOT_FIELDS)
            for name in extra_fields:
                fields.setdefault(name, 0)
            node["p"] = dict(sorted(fields.items()))
        items = schema.get("items")
        if isinstance(items, dict):
            child = self.add(items)
            if child:
                node["i"] = child
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            child = self.add(additional)
            if child:
                node["a"] = child
        if "p" in node and "a" in node:
            # Structural schemas forbid both; if one slips through, its extra keys are map keys.
            node["p"] = {}
        return self.intern(node) if node else 0


# A line holding only a Helm template action, and an action inside a line.
HELM_LINE = re.compile(r"^[ \t]*\{\{.*\}\}[ \t]*$\n?", re.MULTILINE)
HELM_ACTION = re.compile(r"\{\{.*?\}\}")


def without_helm(text):
    """A Helm chart's CRD template as plain YAML (see the module docs)."""
    return HELM_ACTION.sub("", HELM_LINE.sub("", text))


def crds(paths):
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        if "{{" in text:
            text = without_helm(text)
        for document in yaml.load_all(text, Loader=Loader):
            if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition":
                yield document


def add_later_fields(group, kind, schema):
    """Adds LATER_FIELDS to one version's `openAPIV3Schema` (a dict from the CRD)."""
    for path, field in LATER_FIELDS.get((group, kind), ()):
        node = schema
        for name in path.split("."):
            node = (node.get("properties") or {}).get(name)
            if not isinstance(node, dict):
                sys.exit(f"{group}/{kind}: no `{path}` for the later field `{field}`")
        node.setdefault("properties", {}).setdefault(field, {})


def main(paths, base=None):
    if base is None:
        table = Table()
        kinds = {}
    else:
        with open(base, encoding="utf-8") as stream:
            loaded = json.load(stream)
        table = Table(loaded["nodes"])
        kinds = loaded["kinds"]
    for crd in crds(paths):
        spec = crd["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        versions = {}
        storage = None
        for version in spec.get("versions", []):
            name = version["name"]
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if not version.get("served", True) or schema is None or (group, name) in SKIP_VERSIONS:
                continue
            add_later_fields(group, kind, schema)
            versions[name] = table.add(schema, ROOT_FIELDS)
            if version.get("storage"):
                storage = name
        if not versions:
            continue
        if group in FALLBACK_GROUPS and storage in versions:
            versions["*"] = versions[storage]
        key = f"{group}/{kind}"
        if key in kinds and kinds[key] != versions:
            sys.exit(f"{key} is defined twice with different schemas")
        kinds[key] = dict(sorted(versions.items()))
    out = {"kinds": dict(sorted(kinds.items())), "nodes": table.nodes}
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    base = None
    if args[:1] == ["--base"] and len(args) >= 2:
        base, args = args[1], args[2:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    main(args, base)
