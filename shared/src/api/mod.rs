//! JSON:API: request parsing (strict, with precise error pointers) and response documents.
