//! Endpoints of Fleet: machines (activation), components, processes, heartbeats and their KV leases.
pub mod components;
pub mod machines;
pub mod processes;
