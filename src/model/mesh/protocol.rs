//! The protocol Istio gives a Service port: `appProtocol`, else the port name's prefix.

use crate::parse::yaml::Node;

/// Protocols Istio reads from a port name's prefix (case-insensitive).
pub const PROTOCOLS: &[&str] = &[
    "http",
    "http2",
    "https",
    "http_proxy",
    "grpc",
    "grpc-web",
    "tcp",
    "tls",
    "udp",
    "mongo",
    "mysql",
    "redis",
    "hbone",
];

/// The protocols Istio serves with an HTTP listener.
const HTTP_PROTOCOLS: &[&str] = &["http", "http2", "http_proxy", "grpc", "grpc-web"];

/// The protocol a port name announces, lowercased: the whole name or the part before its first
/// `-` (`grpc-web` as a whole), when Istio knows it.
pub fn named_protocol(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if lower == "grpc-web" || lower.starts_with("grpc-web-") {
        return Some("grpc-web".to_owned());
    }
    let prefix = lower.split('-').next().unwrap_or_default();
    PROTOCOLS.contains(&prefix).then(|| prefix.to_owned())
}

/// The protocol a Service port declares to Istio, lowercased: its `appProtocol`, else its name's
/// prefix; `None` when it declares none Istio knows, and Istio sniffs it.
pub fn declared_protocol(port: &Node<'_>) -> Option<String> {
    let Some(declared) = port.str_at("appProtocol") else {
        return port.str_at("name").and_then(named_protocol);
    };
    let lower = declared.to_ascii_lowercase();
    match lower.as_str() {
        "kubernetes.io/h2c" => Some("http2".to_owned()),
        "kubernetes.io/ws" | "kubernetes.io/wss" => Some("http".to_owned()),
        known if PROTOCOLS.contains(&known) => Some(lower),
        _ => None,
    }
}

/// True for a protocol Istio serves with an HTTP listener (HTTP/1, HTTP/2, gRPC).
pub fn is_http(protocol: &str) -> bool {
    HTTP_PROTOCOLS.contains(&protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_prefixes_are_read_like_istio_reads_them() {
        for (name, protocol) in [
            ("http", "http"),
            ("http-web", "http"),
            ("HTTP2-api", "http2"),
            ("grpc-web", "grpc-web"),
            ("grpc-web-x", "grpc-web"),
            ("tcp-db", "tcp"),
            ("redis", "redis"),
        ] {
            assert_eq!(named_protocol(name).as_deref(), Some(protocol), "{name}");
        }
        for bad in ["web", "httpx", "metrics", "web-http", ""] {
            assert_eq!(named_protocol(bad), None, "{bad}");
        }
    }

    #[test]
    fn app_protocol_wins_over_the_name() {
        let stream = crate::parse::yaml::parse_for_test("{name: tcp-x, appProtocol: HTTP2}\n");
        let port = &stream.documents[0].root;
        assert_eq!(declared_protocol(port).as_deref(), Some("http2"));
        assert!(is_http("http2") && !is_http("tcp"));
        let stream = crate::parse::yaml::parse_for_test(
            "- {name: tcp-x, appProtocol: kubernetes.io/h2c}\n- {name: http, appProtocol: example.com/custom}\n",
        );
        let ports = stream.documents[0].root.items();
        assert_eq!(declared_protocol(&ports[0]).as_deref(), Some("http2"));
        assert_eq!(declared_protocol(&ports[1]), None);
    }
}
