//! Machine proofs (issue 8): Keygen's `Machine#generate_proof`, `"proof/" + b64url(dataset) +
//! "." + b64url(sig)` where `sig` signs the bytes `"proof/" + b64url(dataset)` and `b64url` is
//! Ruby's `Base64.urlsafe_encode64` (with padding). Keygen signs with the account's RSA key;
//! Latchkey with its Ed25519 key (the scheme it signs everything in).

use ed25519_dalek::{Signer as _, SigningKey};

use super::{b64url_pad, unb64url_pad, verify_ed25519};

/// Signs the JSON text `dataset` as a proof.
pub fn sign(key: &SigningKey, dataset: &str) -> String {
    let signing_data = format!("proof/{}", b64url_pad(dataset.as_bytes()));
    let sig = key.sign(signing_data.as_bytes());
    format!("{signing_data}.{}", b64url_pad(&sig.to_bytes()))
}

/// The dataset of a genuine proof (hex public key); `None` otherwise.
pub fn verify(public_hex: &str, proof: &str) -> Option<Vec<u8>> {
    let (signing_data, enc_sig) = proof.rsplit_once('.')?;
    let data = signing_data.strip_prefix("proof/")?;
    let sig = unb64url_pad(enc_sig).ok()?;
    verify_ed25519(public_hex, signing_data.as_bytes(), &sig).ok()?;
    unb64url_pad(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys;

    #[test]
    fn a_proof_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = keys::public_hex(&key);
        let p = sign(&key, r#"{"machine":{"id":"m"}}"#);
        assert!(p.starts_with("proof/"));
        assert_eq!(verify(&public, &p).as_deref(), Some(br#"{"machine":{"id":"m"}}"#.as_slice()));
        let forged = p.replacen("proof/ey", "proof/ez", 1);
        assert_eq!(verify(&public, &forged), None);
        assert_eq!(verify(&keys::public_hex(&SigningKey::from_bytes(&[8u8; 32])), &p), None);
    }
}
