// Sign-in: login id and password; the TOTP code when the account asks for it; the enrolment (secret, QR code,
// first code) when the tenant requires two-factor sign-in and the user has not set it up yet.
import { useEffect, useState } from "preact/hooks";
import QRCode from "qrcode";
import { AccountsService, type LoginResponse } from "../gen/gmosign/accounts/v1/accounts_pb";
import { client, failure, setBearer, withRetry } from "../lib/rpc";
import { Busy, Notice } from "../lib/ui";
import { t, type Session } from "./shared";

const accounts = client(AccountsService);

function toSession(reply: LoginResponse): Session {
  const who = reply.identity!;
  return { token: reply.sessionToken, identity: { displayName: who.displayName, tenantId: who.tenantId, userId: who.userId, roles: [...who.roles] } };
}

export function Login(props: { onSignedIn: (s: Session) => void }) {
  const [loginId, setLoginId] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [enrolling, setEnrolling] = useState<LoginResponse | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const reply = await withRetry(() => accounts.login({ loginId: loginId.trim(), password, totpCode: totp.trim() }));
      if (reply.totpEnrollmentRequired) {
        setBearer(reply.sessionToken);
        setEnrolling(reply);
      } else {
        props.onSignedIn(toSession(reply));
      }
    } catch (err) {
      const f = failure(err);
      if (f.reason === "TOTP_REQUIRED") {
        setNeedTotp(true);
      } else {
        setError(f.message);
      }
    } finally {
      setBusy(false);
    }
  };

  if (enrolling) {
    return <Enrol login={enrolling} onDone={() => props.onSignedIn(toSession(enrolling))} />;
  }
  return (
    <form class="card narrow" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">{t("loginTitle")}</h1>
      {error && <Notice kind="error" id="login-error">{error}</Notice>}
      <label for="login-id">{t("loginId")}</label>
      <input id="login-id" type="email" autocomplete="username" required maxLength={254} value={loginId}
        onInput={(e) => setLoginId((e.target as HTMLInputElement).value)} />
      <label for="password">{t("password")}</label>
      <input id="password" type="password" autocomplete="current-password" required maxLength={256} value={password}
        onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      {needTotp && (
        <>
          <p class="hint" id="totp-hint">{t("totpNeeded")}</p>
          <label for="totp">{t("totpCode")}</label>
          <input id="totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required maxLength={6} value={totp}
            aria-describedby="totp-hint" onInput={(e) => setTotp((e.target as HTMLInputElement).value)} />
        </>
      )}
      <Busy busy={busy} type="submit" id="login">{t("login")}</Busy>
    </form>
  );
}

function Enrol(props: { login: LoginResponse; onDone: () => void }) {
  const [secret, setSecret] = useState("");
  const [qr, setQr] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  useEffect(() => {
    (async () => {
      try {
        const begun = await withRetry(() => accounts.beginTotpEnrollment({}));
        setSecret(begun.secretBase32);
        setQr(await QRCode.toDataURL(begun.otpauthUri, { margin: 1, width: 200 }));
      } catch (err) {
        setError(failure(err).message);
      }
    })();
  }, []);

  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await withRetry(() => accounts.confirmTotpEnrollment({ code: code.trim() }));
      props.onDone();
    } catch (err) {
      setError(failure(err).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card narrow" onSubmit={confirm} aria-labelledby="enrol-title">
      <h1 id="enrol-title">{t("enrollTitle")}</h1>
      <p>{t("enrollIntro")}</p>
      {qr && <img src={qr} alt={t("qrAlt")} width={200} height={200} class="qr" />}
      <p>{t("enrollKey")}: <code id="totp-secret">{secret}</code></p>
      {error && <Notice kind="error">{error}</Notice>}
      <label for="enrol-code">{t("totpCode")}</label>
      <input id="enrol-code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required maxLength={6} value={code}
        onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
      <Busy busy={busy} type="submit" id="enrol-confirm">{t("enrollConfirm")}</Busy>
    </form>
  );
}
