//! The package engines against the real clients on loopback (installed, pinned, by
//! `scripts/engine-clients`): pip (PyPI), npm, skopeo (OCI), Bundler on Debian's Ruby (RubyGems).

#[path = "engines/fixtures.rs"]
mod fixtures;
#[path = "engines/hostile.rs"]
mod hostile;
#[path = "engines/npm.rs"]
mod npm;
#[path = "engines/oci.rs"]
mod oci;
#[path = "engines/pypi.rs"]
mod pypi;
#[path = "engines/rubygems.rs"]
mod rubygems;
