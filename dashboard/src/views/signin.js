// Sign-in: email and password (Basic) on POST /tokens; a second step asks for the TOTP code
// when the API answers OTP_REQUIRED. The account may be left blank: bare /v1 addresses the
// deployment's default account (LATCHKEY_ACCOUNT_ID, or the first account created).
import { login } from "../api.js";
import { field, h } from "../dom.js";
import { describe, notice } from "../ui.js";

export function signIn(done) {
  const account = h("input", { name: "account", type: "text", autocomplete: "organization", spellcheck: "false" });
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const otp = h("input", { name: "otp", type: "text", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6" });
  const otpField = field("Authenticator code", otp, "Six digits from your authenticator app.");
  otpField.hidden = true;
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card", "aria-label": "Sign in" },
    h("h2", {}, "Sign in"),
    field("Account id or slug", account, "Leave blank for this deployment's default account."),
    field("Email", email),
    field("Password", password),
    otpField,
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      await login(account.value.trim(), email.value.trim(), password.value, otpField.hidden ? undefined : otp.value.trim());
      done();
    } catch (e) {
      if (e.code === "OTP_REQUIRED") {
        otpField.hidden = false;
        otp.focus();
        notice("This user has a second factor: enter the code from the authenticator app.", "ok");
      } else {
        notice(describe(e), "error");
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
