//! Artifact checksums read by shape, as Keygen's engines do (`checksum_helper.rb`): hex
//! (`0x` allowed) or strict padded base64, the algorithm named by the digest's length.
//! Anything else (keygen-cli's unpadded base64 default included) yields no engine hash.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Digest algorithms Keygen infers from a digest's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// 16 bytes.
    Md5,
    /// 20 bytes.
    Sha1,
    /// 28 bytes.
    Sha224,
    /// 32 bytes.
    Sha256,
    /// 48 bytes.
    Sha384,
    /// 64 bytes.
    Sha512,
}

/// A checksum decoded to its digest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The algorithm its length names.
    pub algorithm: Algorithm,
    /// The raw digest.
    pub bytes: Vec<u8>,
}

impl Digest {
    /// Reads a stored checksum; `None` when it is neither hex nor padded base64 of a known length.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let hex_part = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
        let bytes = if !hex_part.is_empty() && hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(hex_part).ok()?
        } else if s.len().is_multiple_of(4) {
            STANDARD.decode(s).ok()?
        } else {
            return None;
        };
        let algorithm = match bytes.len() {
            16 => Algorithm::Md5,
            20 => Algorithm::Sha1,
            28 => Algorithm::Sha224,
            32 => Algorithm::Sha256,
            48 => Algorithm::Sha384,
            64 => Algorithm::Sha512,
            _ => return None,
        };
        Some(Self { algorithm, bytes })
    }

    /// Lowercase hex of the digest.
    pub fn hex(&self) -> String {
        hex::encode(&self.bytes)
    }

    /// The Subresource Integrity string npm checks (`sha512-<base64>`), for SHA-256/384/512.
    pub fn integrity(&self) -> Option<String> {
        let name = match self.algorithm {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
            _ => return None,
        };
        Some(format!("{name}-{}", STANDARD.encode(&self.bytes)))
    }
}

/// The SHA-256 hex of a checksum, when it is one (PyPI `#sha256=`, RubyGems `checksum:`, OCI digests).
pub fn sha256_hex(checksum: Option<&str>) -> Option<String> {
    checksum.and_then(Digest::parse).filter(|d| d.algorithm == Algorithm::Sha256).map(|d| d.hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256_HEX: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn hex_and_padded_base64_are_read_by_length() {
        let d = Digest::parse(SHA256_HEX).expect("hex");
        assert_eq!(d.algorithm, Algorithm::Sha256);
        assert_eq!(Digest::parse(&format!("0x{}", SHA256_HEX.to_uppercase())).map(|d| d.hex()), Some(SHA256_HEX.into()));
        let b64 = STANDARD.encode(&d.bytes);
        assert_eq!(Digest::parse(&b64), Some(d.clone()));
        assert_eq!(d.integrity().as_deref(), Some(format!("sha256-{b64}").as_str()));
        assert_eq!(Digest::parse(&"ab".repeat(20)).map(|d| d.algorithm), Some(Algorithm::Sha1));
        assert_eq!(Digest::parse(&"ab".repeat(20)).and_then(|d| d.integrity()), None);
    }

    #[test]
    fn unpadded_base64_odd_hex_and_unknown_lengths_give_no_hash() {
        let unpadded = STANDARD.encode([7u8; 64]).trim_end_matches('=').to_string();
        assert_eq!(Digest::parse(&unpadded), None);
        assert_eq!(Digest::parse("abc"), None);
        assert_eq!(Digest::parse(&"ab".repeat(31)), None);
        assert_eq!(Digest::parse(""), None);
        assert_eq!(sha256_hex(Some(&"ab".repeat(64))), None, "sha512 is not sha256");
        assert_eq!(sha256_hex(Some(SHA256_HEX)).as_deref(), Some(SHA256_HEX));
    }
}
