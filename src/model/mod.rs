//! Typed views over parsed files: Kubernetes-style objects, workloads, images.

pub mod agents;
pub mod configmap;
pub mod delivery;
pub mod gateway;
pub mod image;
pub mod mesh;
pub mod monitoring;
pub mod network;
pub mod object;
pub mod operated;
pub mod packages;
pub mod ports;
pub mod scale_out;
pub mod scaling;
pub mod schema;
pub mod secrets;
pub mod selector;
pub mod settings;
pub mod workload;

pub use image::{Image, ImageRef};
pub use object::{Object, Schema, objects_of};
pub use scaling::Scaler;
pub use selector::LabelSelector;
pub use workload::{Container, ContainerRole, PodSpec, ProbeKind, Workload, WorkloadKind};
