//! MS002 unknown-field.
use crate::fix::{Applicability, Edit, Fix};
use crate::model::schema::{belongs_at, sole_suggestion, suggestion, unknown_fields};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;
use crate::source::Span;
use crate::source::escape::OneLine;

declare_rule! {
    /// ## What it does
    /// Flags a key that the object's Kubernetes schema does not have — a misspelt
    /// `livenessprobe`, `resource:` for `resources:`, a field at the wrong level — and suggests
    /// the closest accepted name. A workload field written at the wrong level is sent where it
    /// belongs: `runAsUser` on a container to its `securityContext`, `resources` or `image` on
    /// a pod spec to each container, `containers` in a Deployment's `spec` to `template.spec`,
    /// `labels` in a pod template to `template.metadata`, `replicas` in a pod template to the
    /// workload's `spec`. Built-in kinds are checked, and the Istio, Gateway API, Kong,
    /// Emissary, Argo Rollouts and KEDA custom resources whose CRD schema mslint carries; other
    /// kinds and versions are skipped.
    ///
    /// Kinds with a known schema:
    /// - built-in kinds at their current API versions: core, apps, batch, autoscaling, policy,
    ///   networking and RBAC;
    /// - Istio (`networking`, `security`, `telemetry` and `extensions.istio.io`, every served
    ///   version): VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar, EnvoyFilter,
    ///   WorkloadEntry, WorkloadGroup, ProxyConfig, AuthorizationPolicy, PeerAuthentication,
    ///   RequestAuthentication, Telemetry, WasmPlugin;
    /// - Gateway API (experimental channel, which includes standard): Gateway, GatewayClass,
    ///   HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute, ReferenceGrant, BackendTLSPolicy,
    ///   ListenerSet; an older version such as `v1alpha2` is checked with the current fields;
    /// - Kong: KongPlugin, KongClusterPlugin, KongConsumer, KongConsumerGroup, KongIngress,
    ///   TCPIngress, UDPIngress, KongUpstreamPolicy and the other `konghq.com` kinds;
    /// - Emissary `getambassador.io/v3alpha1`: Mapping, TCPMapping, Host, Listener, TLSContext,
    ///   AuthService, RateLimitService, Module and the other kinds (the `v1` and `v2` schemas
    ///   are partial, so those versions are skipped);
    /// - Argo Rollouts Rollout and Experiment;
    /// - KEDA ScaledObject, TriggerAuthentication and ClusterTriggerAuthentication, and the KEDA
    ///   HTTP add-on's HTTPScaledObject.
    ///
    /// Free-form fields are not checked: a KongPlugin's `config`, an EnvoyFilter patch's `value`,
    /// a KEDA trigger's `metadata`, label maps. An object's `metadata`, and a pod or job
    /// template's, is checked as Kubernetes object metadata, and the `status` of a custom
    /// resource is not checked (its controller writes it). A value of another type than its
    /// field's (`ports: 8080`, a templated `{{ .Values.resources }}`) holds no key to check; the
    /// rest of the object still is.
    ///
    /// ## Why is this bad?
    /// The API server drops unknown fields without an error (kubectl only warns, and only with
    /// server-side field validation); it prunes custom resources by their CRD's schema the same
    /// way. A misspelt probe, limit or route `timeout` silently disappears: the manifest looks
    /// right in review, and the cluster runs without it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     livenessprobe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: server
    ///     image: shop/cart:1.4.2
    ///     livenessProbe:
    ///       httpGet: { path: /healthz, port: http }
    /// ```
    ///
    /// ## Fix
    /// Safe: `--fix` renames the key to the field it misspells when that field is the only one
    /// near it (or the only one equal to it but for case) and the mapping does not already hold
    /// it. A key with several near fields, or one that belongs elsewhere, is left to a person.
    ///
    /// ## Guideline
    /// Seed 003, "Deployment": configuration is validated before it ships. Seed 000,
    /// "Orchestration with Kubernetes": the probes and limits it asks for must reach the cluster.
    pub UnknownField {
        id: "MS002",
        name: "unknown-field",
        family: Family::Ms,
        severity: Severity::Warning,
        scope: Scope::Object,
        security: false,
        guideline: "seed 003 §Deployment; seed 000 §Orchestration with Kubernetes",
        fix: Applicability::Safe,
    }
}

impl Rule for UnknownField {
    fn check_object(&self, object: &Object<'_>, _cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(ignored) = unknown_fields(object) else {
            return;
        };
        for field in ignored {
            let Some(key) = field.key.as_str() else { continue };
            let place = if field.parent.is_empty() {
                "the top level".to_owned()
            } else {
                format!("`{}`", field.parent)
            };
            let message = format!(
                "{} `{}`: unknown field `{key}` in {place}; Kubernetes drops it",
                object.kind(),
                object.qualified_name()
            );
            let shown = OneLine(key);
            let help = match (
                suggestion(key, field.fields),
                belongs_at(object.kind(), &field.parent, key),
            ) {
                (Some(name), _) => {
                    format!("rename `{shown}` to `{name}`, the field Kubernetes reads:\n{name}:")
                }
                (None, Some(place)) => format!("move `{shown}` {place}, where Kubernetes reads it"),
                (None, None) => format!(
                    "remove `{shown}` or move it to where the schema has it; the fields accepted here are {}",
                    field
                        .fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            // A rename has one right answer only when no other field is near and the right
            // one is not already there.
            let rename = sole_suggestion(key, field.fields)
                .filter(|name| {
                    mapping_holding(&object.root, field.key.span)
                        .is_some_and(|mapping| mapping.entries().iter().all(|e| e.key.as_str() != Some(name)))
                })
                .and_then(|name| {
                    Fix::safe(
                        format!("rename `{key}` to `{name}`"),
                        vec![Edit::replace(field.key.span, name)],
                    )
                });
            out.report(field.key.span, message)
                .help(help)
                .object(ObjectRef::of(object))
                .fix(rename);
        }
    }
}

/// The mapping, at any depth below `node`, that has the key at `key`.
fn mapping_holding<'n, 's>(node: &'n Node<'s>, key: Span) -> Option<&'n Node<'s>> {
    if node.entries().iter().any(|e| e.key.span == key) {
        return Some(node);
    }
    node.entries()
        .iter()
        .map(|e| &e.value)
        .chain(node.items())
        .filter(|child| child.span.start <= key.start)
        .find_map(|child| mapping_holding(child, key))
}
