//! 1.7: `POST /tokens` answers every email/password failure as `CREDENTIALS_INVALID`
//! (`rename_credential_error_codes_for_token`); OTP codes are kept.

use serde_json::Value;

use super::{errors, Exchange, Lookups, Migration};

/// The 1.8 codes that 1.7 folds into `CREDENTIALS_INVALID`.
const FOLDED: [&str; 5] = ["EMAIL_REQUIRED", "EMAIL_INVALID", "PASSWORD_REQUIRED", "PASSWORD_INVALID", "PASSWORD_NOT_SUPPORTED"];

pub(super) const CREDENTIAL_ERROR_CODES: Migration =
    Migration { version: 7, name: "rename_credential_error_codes_for_token", applies: |x: &Exchange<'_>| x.status == 401 && x.is("POST", "/tokens"), data };

fn data(body: &mut Value, _: &Lookups) {
    for e in errors(body) {
        if e.get("code").and_then(Value::as_str).is_some_and(|c| FOLDED.contains(&c)) {
            e.insert("code".into(), "CREDENTIALS_INVALID".into());
            e.insert("detail".into(), "email and password must be valid".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_and_password_codes_become_credentials_invalid_otp_codes_stay() {
        let table = [
            ("EMAIL_REQUIRED", "CREDENTIALS_INVALID"),
            ("EMAIL_INVALID", "CREDENTIALS_INVALID"),
            ("PASSWORD_REQUIRED", "CREDENTIALS_INVALID"),
            ("PASSWORD_INVALID", "CREDENTIALS_INVALID"),
            ("PASSWORD_NOT_SUPPORTED", "CREDENTIALS_INVALID"),
            ("OTP_REQUIRED", "OTP_REQUIRED"),
            ("OTP_INVALID", "OTP_INVALID"),
        ];
        for (from, to) in table {
            let mut b = json!({"errors": [{"title": "Unauthorized", "detail": "d", "code": from, "source": {"header": "Authorization"}}]});
            data(&mut b, &Lookups::default());
            assert_eq!(b["errors"][0]["code"], to, "{from}");
            assert_eq!(b["errors"][0]["source"]["header"], "Authorization");
        }
        let x = |status, method, pattern| Exchange { method, pattern: Some(pattern), status };
        assert!((CREDENTIAL_ERROR_CODES.applies)(&x(401, "POST", "/tokens")));
        assert!(!(CREDENTIAL_ERROR_CODES.applies)(&x(400, "POST", "/tokens")));
        assert!(!(CREDENTIAL_ERROR_CODES.applies)(&x(401, "GET", "/tokens")));
        assert!(!(CREDENTIAL_ERROR_CODES.applies)(&x(401, "POST", "/licenses")));
    }
}
