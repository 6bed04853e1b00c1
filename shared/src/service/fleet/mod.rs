//! Fleet: machines, components, processes, heartbeats and their KV leases.
pub mod components;
pub mod heartbeats;
pub mod leases;
pub mod machines;
pub mod processes;
