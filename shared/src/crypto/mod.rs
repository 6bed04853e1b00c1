//! Cryptography: response signatures, license keys, license/machine files, token digests,
//! password hashing and the sealing of account private keys.
