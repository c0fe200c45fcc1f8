//! NS008 service-account-cluster-admin.
use crate::model::network::{RoleBinding, is_templated};
use crate::parse::yaml::Node;
use crate::rules::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a RoleBinding or ClusterRoleBinding whose `roleRef` is the ClusterRole
    /// `cluster-admin` and whose subjects include a service account: a `ServiceAccount`
    /// subject, the `User` name a service account authenticates as
    /// (`system:serviceaccount:<namespace>:<name>`), or the groups of all service accounts
    /// (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`). A ServiceAccount
    /// subject without `namespace` in a RoleBinding means the binding's namespace, as the
    /// authorizer reads it. The finding points at the subject's `name`.
    ///
    /// ## Why is this bad?
    /// Every pod that runs as the service account, and anyone who can read its token or exec
    /// into such a pod, gets full control: a ClusterRoleBinding grants every verb on every
    /// resource of every namespace, including Secrets, RBAC and the nodes' workloads; a
    /// RoleBinding grants all of it within its namespace. One compromised container becomes a
    /// compromised cluster or namespace. Human users and groups other than the service-account
    /// groups are left alone, as are templated subjects.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: { name: deployer }
    /// roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
    /// subjects:
    ///   - { kind: ServiceAccount, name: deployer, namespace: ci }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: { name: deployer, namespace: shop }
    /// roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer }
    /// subjects:
    ///   - { kind: ServiceAccount, name: deployer, namespace: ci }
    /// ```
    ///
    /// ## Guideline
    /// Seed 000, "Security": Role-Based Access Control must be applied in Kubernetes. Seed 002,
    /// "Frequently Asked Questions (FAQs)": apply zero trust and least privilege.
    pub ServiceAccountClusterAdmin {
        id: "NS008",
        name: "service-account-cluster-admin",
        family: Family::Ns,
        severity: Severity::Error,
        scope: Scope::Object,
        security: true,
        guideline: "seed 000 §Security; seed 002 §Frequently Asked Questions (FAQs)",
    }
}

impl Rule for ServiceAccountClusterAdmin {
    fn check_object(&self, object: &Object<'_>, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(binding) = RoleBinding::of(object) else {
            return;
        };
        if !binding.grants_cluster_role("cluster-admin") {
            return;
        }
        let binding_namespace = cx.index.namespace_of(object);
        for subject in binding.subjects() {
            if is_templated(subject) {
                continue;
            }
            let Some(who) = service_accounts(subject, binding_namespace) else {
                continue;
            };
            let reach = if binding.is_cluster_wide() {
                "in every namespace".to_owned()
            } else {
                format!("in namespace `{binding_namespace}`")
            };
            let span = subject.get("name").map_or(subject.span, |name| name.span);
            out.report(
                span,
                format!(
                    "{} `{}` grants cluster-admin to {who} {reach}",
                    object.kind(),
                    object.qualified_name()
                ),
            )
            .help(
                "bind a Role that grants only what the service account uses:\n\
                 roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: deployer",
            )
            .object(ObjectRef::of(object));
        }
    }
}

/// The service accounts a subject stands for, for messages; `None` for anything else.
fn service_accounts(subject: &Node<'_>, binding_namespace: &str) -> Option<String> {
    let name = subject.str_at("name")?;
    match subject.str_at("kind")? {
        "ServiceAccount" => match subject.str_at("namespace").unwrap_or(binding_namespace) {
            "" => Some(format!("ServiceAccount `{name}`")),
            namespace => Some(format!("ServiceAccount `{namespace}/{name}`")),
        },
        "User" => {
            let account = name.strip_prefix("system:serviceaccount:")?;
            let (namespace, account) = account.split_once(':')?;
            Some(format!("ServiceAccount `{namespace}/{account}`"))
        }
        "Group" if name == "system:serviceaccounts" => {
            Some("every ServiceAccount of the cluster (group `system:serviceaccounts`)".to_owned())
        }
        "Group" => {
            let namespace = name.strip_prefix("system:serviceaccounts:")?;
            Some(format!(
                "every ServiceAccount of namespace `{namespace}` (group `{name}`)"
            ))
        }
        _ => None,
    }
}
