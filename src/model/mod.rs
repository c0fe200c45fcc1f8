//! Typed views over parsed files: Kubernetes-style objects, workloads, images.

pub mod image;
pub mod object;
pub mod workload;

pub use image::{Image, ImageRef};
pub use object::{Object, Schema, objects_of};
pub use workload::{Container, ContainerRole, PodSpec, ProbeKind, Workload, WorkloadKind};
