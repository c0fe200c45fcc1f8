//! Typed views over parsed files: Kubernetes-style objects, workloads, images.

pub mod image;
pub mod object;
pub mod secrets;
pub mod selector;
pub mod workload;

pub use image::{Image, ImageRef};
pub use object::{Object, Schema, objects_of};
pub use selector::LabelSelector;
pub use workload::{Container, ContainerRole, PodSpec, ProbeKind, Workload, WorkloadKind};
