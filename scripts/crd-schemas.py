#!/usr/bin/env python3
"""Turn CustomResourceDefinitions into the field table MS002 checks custom resources against.

Usage:
    python3 scripts/crd-schemas.py CRD.yaml [CRD.yaml ...] > src/model/schema/crds/crds.json

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

The sources, their commits and licences are listed in src/model/schema/crds/README.md.
"""

import json
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


class Table:
    """Interned nodes: index 0 is the free node `{}`."""

    def __init__(self):
        self.nodes = [{}]
        self.index = {json.dumps({}, sort_keys=True): 0}

    def intern(self, node):
        key = json.dumps(node, sort_keys=True, separators=(",", ":"))
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


def crds(paths):
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            for document in yaml.load_all(stream, Loader=Loader):
                if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition":
                    yield document


def main(paths):
    table = Table()
    kinds = {}
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
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
