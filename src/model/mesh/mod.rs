//! Istio: traffic, security and injection, with Istio's host and visibility rules.

pub mod gateway;
pub mod host;
pub mod protocol;
pub mod routing;
pub mod security;
pub mod workloads;

pub use gateway::{GatewayServer, IstioGateway, gateway_reference};
pub use routing::{
    Destination, DestinationRule, Place, Protocol, Route, VirtualService, is_istio, is_istio_kind,
};
pub use security::{AuthorizationPolicy, Injection, MtlsMode, PeerAuthentication};
pub use workloads::{WorkloadSelector, requires_locality_label, runs_istio_gateway, selects_istio_gateway};
