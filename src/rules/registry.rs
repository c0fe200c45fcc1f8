//! The built-in rules, in id order.

use super::{Rule, df, gw, ist, k8s, ms, ns, sec};

/// Every built-in rule, one line each, in id order.
pub static ALL: &[&dyn Rule] = &[
    &df::df001_single_stage_build::SingleStageBuild,
    &df::df002_secret_in_env_or_arg::SecretInEnvOrArg,
    &df::df003_secret_file_in_image::SecretFileInImage,
    &df::df004_runs_as_root::RunsAsRoot,
    &df::df005_unpinned_base_image::UnpinnedBaseImage,
    &df::df006_shell_form_entrypoint::ShellFormEntrypoint,
    &df::df007_add_instead_of_copy::AddInsteadOfCopy,
    &df::df008_pipe_to_shell::PipeToShell,
    &df::df009_package_cache_kept::PackageCacheKept,
    &df::df010_credentials_in_url::CredentialsInUrl,
    &gw::gw001_route_without_authentication::RouteWithoutAuthentication,
    &gw::gw002_route_without_rate_limit::RouteWithoutRateLimit,
    &gw::gw003_cors_any_origin::CorsAnyOrigin,
    &gw::gw004_gateway_listener_without_tls::GatewayListenerWithoutTls,
    &gw::gw005_unknown_plugin_reference::UnknownPluginReference,
    &gw::gw006_route_parent_not_found::RouteParentNotFound,
    &gw::gw007_backend_not_found::BackendNotFound,
    &gw::gw008_cross_namespace_reference_without_grant::CrossNamespaceReferenceWithoutGrant,
    &ist::ist001_mesh_mtls_not_strict::MeshMtlsNotStrict,
    &ist::ist002_mtls_weakened::MtlsWeakened,
    &ist::ist003_destination_rule_tls_not_mutual::DestinationRuleTlsNotMutual,
    &ist::ist004_no_circuit_breaker::NoCircuitBreaker,
    &ist::ist005_route_without_timeout::RouteWithoutTimeout,
    &ist::ist006_route_without_retry_policy::RouteWithoutRetryPolicy,
    &ist::ist007_undefined_subset::UndefinedSubset,
    &ist::ist008_unknown_route_host::UnknownRouteHost,
    &ist::ist009_allow_all_authorization::AllowAllAuthorization,
    &ist::ist010_sidecar_injection_disabled::SidecarInjectionDisabled,
    &ist::ist011_port_name_without_protocol::PortNameWithoutProtocol,
    &ist::ist012_gateway_not_found::GatewayNotFound,
    &ist::ist013_host_not_in_gateway::HostNotInGateway,
    &ist::ist014_conflicting_mesh_hosts::ConflictingMeshHosts,
    &ist::ist015_conflicting_gateways::ConflictingGateways,
    &ist::ist016_destination_port_required::DestinationPortRequired,
    &ist::ist017_unreachable_route::UnreachableRoute,
    &ist::ist018_tls_origination_without_ca::TlsOriginationWithoutCa,
    &ist::ist019_selector_matches_nothing::SelectorMatchesNothing,
    &ist::ist020_destination_rule_host_not_found::DestinationRuleHostNotFound,
    &ist::ist021_subset_selects_no_pods::SubsetSelectsNoPods,
    &ist::ist022_gateway_port_not_on_service::GatewayPortNotOnService,
    &ist::ist023_claim_route_without_request_authentication::ClaimRouteWithoutRequestAuthentication,
    &ist::ist024_ambiguous_default_sidecar::AmbiguousDefaultSidecar,
    &ist::ist025_proxy_uid_conflict::ProxyUidConflict,
    &ist::ist026_injection_labels_conflict::InjectionLabelsConflict,
    &ist::ist027_conflicting_service_ports::ConflictingServicePorts,
    &k8s::k8s001_missing_liveness_probe::MissingLivenessProbe,
    &k8s::k8s002_missing_readiness_probe::MissingReadinessProbe,
    &k8s::k8s003_missing_resource_requests::MissingResourceRequests,
    &k8s::k8s004_missing_memory_limit::MissingMemoryLimit,
    &k8s::k8s005_secret_literal_in_env::SecretLiteralInEnv,
    &k8s::k8s006_secret_in_configmap::SecretInConfigmap,
    &k8s::k8s007_deployment_with_persistent_volume::DeploymentWithPersistentVolume,
    &k8s::k8s008_hpa_on_stateful_workload::HpaOnStatefulWorkload,
    &k8s::k8s009_stateless_without_hpa::StatelessWithoutHpa,
    &k8s::k8s010_hpa_target_not_found::HpaTargetNotFound,
    &k8s::k8s011_privileged_container::PrivilegedContainer,
    &k8s::k8s012_container_may_run_as_root::ContainerMayRunAsRoot,
    &k8s::k8s013_writable_root_filesystem::WritableRootFilesystem,
    &k8s::k8s014_image_tag_not_pinned::ImageTagNotPinned,
    &k8s::k8s015_recreate_rollout::RecreateRollout,
    &k8s::k8s016_single_replica::SingleReplica,
    &k8s::k8s017_hardcoded_ip_address::HardcodedIpAddress,
    &k8s::k8s018_no_graceful_shutdown::NoGracefulShutdown,
    &k8s::k8s019_probe_port_not_declared::ProbePortNotDeclared,
    &k8s::k8s020_service_selects_nothing::ServiceSelectsNothing,
    &k8s::k8s021_service_target_port_mismatch::ServiceTargetPortMismatch,
    &k8s::k8s022_service_exposed_without_gateway::ServiceExposedWithoutGateway,
    &k8s::k8s023_ingress_without_tls::IngressWithoutTls,
    &k8s::k8s024_host_namespace_or_path::HostNamespaceOrPath,
    &k8s::k8s025_metrics_not_scraped::MetricsNotScraped,
    &k8s::k8s026_committed_secret_data::CommittedSecretData,
    &k8s::k8s027_no_progressive_delivery::NoProgressiveDelivery,
    &k8s::k8s028_rollout_without_analysis::RolloutWithoutAnalysis,
    &k8s::k8s029_service_account_token_mounted::ServiceAccountTokenMounted,
    &ms::ms000_parse_error::ParseError,
    &ms::ms001_unknown_suppression::UnknownSuppression,
    &ms::ms002_unknown_field::UnknownField,
    &ms::ms003_unused_suppression::UnusedSuppression,
    &ns::ns001_namespace_without_network_policy::NamespaceWithoutNetworkPolicy,
    &ns::ns002_namespace_without_default_deny::NamespaceWithoutDefaultDeny,
    &ns::ns003_pod_not_covered_by_network_policy::PodNotCoveredByNetworkPolicy,
    &ns::ns004_workload_without_pdb::WorkloadWithoutPdb,
    &ns::ns005_pdb_blocks_eviction::PdbBlocksEviction,
    &ns::ns006_pdb_selects_nothing::PdbSelectsNothing,
    &ns::ns007_rbac_wildcard::RbacWildcard,
    &ns::ns008_service_account_cluster_admin::ServiceAccountClusterAdmin,
    &sec::sec001_hardcoded_secret::HardcodedSecret,
];

/// Ids that were shipped and withdrawn; never reuse them.
pub static RETIRED: &[&str] = &[];

/// The parse-error rule the engine reports under.
pub fn parse_error() -> &'static super::RuleMeta {
    super::Describe::meta(&ms::ms000_parse_error::ParseError)
}

/// The metadata of a built-in rule the engine reports itself (`MS001`, `MS003`).
pub fn meta_of(id: &str) -> &'static super::RuleMeta {
    find(id).map_or_else(parse_error, |rule| rule.meta())
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id.eq_ignore_ascii_case(id))
}
