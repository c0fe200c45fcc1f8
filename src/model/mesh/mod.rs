//! Istio: traffic, security and injection, with Istio's host and visibility rules.

pub mod gateway;
pub mod host;
pub mod routing;
pub mod security;

pub use gateway::{IstioGateway, gateway_reference};
pub use routing::{
    Destination, DestinationRule, Place, Protocol, Route, VirtualService, is_istio, is_istio_kind,
};
pub use security::{AuthorizationPolicy, Injection, MtlsMode, PeerAuthentication, RequestAuthentication};
