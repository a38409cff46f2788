// The sender console, /app: sign in (password and TOTP, with enrolment), envelopes (list, create with uploads, send,
// follow, void, resend, links, documents, audit trail), templates (saved from a draft, envelopes made from them) and
// CSV bulk sends. The session token lives in sessionStorage (this tab only)
// and is dropped on sign-out or when the server says it has ended.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AccountsService } from "../gen/gmosign/accounts/v1/accounts_pb";
import { client, setBearer } from "../lib/rpc";
import { Header, Notice, useLanguage } from "../lib/ui";
import { navigate, onSessionExpired, t, type Session } from "./shared";
import { Login } from "./Login";
import { EnvelopeList } from "./EnvelopeList";
import { NewEnvelope } from "./NewEnvelope";
import { EnvelopeDetail } from "./EnvelopeDetail";
import { Retention } from "./Retention";
import { Admin } from "./Admin";
import { NewTemplate, TemplateDetail, TemplateList } from "./Templates";
import { BulkSendPage } from "./BulkSend";

const accounts = client(AccountsService);
const storageKey = "gmosign.session";

function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function App() {
  useLanguage();
  const path = usePath();
  const [session, setSession] = useState<Session | null>(() => {
    const s = loadSession();
    setBearer(s?.token ?? null);
    return s;
  });
  const [notice, setNotice] = useState("");

  const signedIn = (s: Session) => {
    sessionStorage.setItem(storageKey, JSON.stringify(s));
    setBearer(s.token);
    setSession(s);
    setNotice("");
    if (!location.pathname.startsWith("/app/") || location.pathname === "/app/login") {
      navigate("/app/");
    }
  };
  const signedOut = (message: string) => {
    sessionStorage.removeItem(storageKey);
    setBearer(null);
    setSession(null);
    setNotice(message);
  };
  onSessionExpired(() => signedOut(t("sessionExpired")));

  useEffect(() => {
    document.title = `${t("console")} | GmoSign`;
  });

  const logout = async () => {
    try {
      await accounts.logout({});
    } catch {
      // the session may have ended already; signing out locally is what matters
    }
    signedOut(t("loggedOut"));
  };

  if (!session) {
    return (
      <>
        <Header subtitle={t("console")} />
        <main id="main">
          {notice && <Notice kind="info" id="session-notice">{notice}</Notice>}
          <Login onSignedIn={signedIn} />
        </main>
      </>
    );
  }

  const detail = /^\/app\/envelopes\/([0-9a-f-]{36})$/.exec(path);
  const templateFrom = /^\/app\/templates\/new\/([0-9a-f-]{36})$/.exec(path);
  const templateDetail = /^\/app\/templates\/([0-9a-f-]{36})$/.exec(path);
  return (
    <>
      <a class="skip" href="#main">{t("skip")}</a>
      <Header subtitle={t("console")}>
        <span class="who" id="who">{session.identity.displayName}</span>
        <button type="button" class="secondary small" onClick={logout} id="logout">{t("logout")}</button>
      </Header>
      <nav class="tabs" aria-label={t("console")}>
        <a href="/app/" onClick={(e) => { e.preventDefault(); navigate("/app/"); }} aria-current={path === "/app/" ? "page" : undefined}>{t("navEnvelopes")}</a>
        <a href="/app/new" onClick={(e) => { e.preventDefault(); navigate("/app/new"); }} aria-current={path === "/app/new" ? "page" : undefined} id="nav-new">{t("navNew")}</a>
        <a href="/app/templates" onClick={(e) => { e.preventDefault(); navigate("/app/templates"); }} aria-current={path.startsWith("/app/templates") ? "page" : undefined} id="nav-templates">{t("navTemplates")}</a>
        <a href="/app/bulk" onClick={(e) => { e.preventDefault(); navigate("/app/bulk"); }} aria-current={path === "/app/bulk" ? "page" : undefined} id="nav-bulk">{t("navBulk")}</a>
        <a href="/app/retention" onClick={(e) => { e.preventDefault(); navigate("/app/retention"); }} aria-current={path === "/app/retention" ? "page" : undefined} id="nav-retention">{t("navRetention")}</a>
        <a href="/app/admin" onClick={(e) => { e.preventDefault(); navigate("/app/admin"); }} aria-current={path === "/app/admin" ? "page" : undefined} id="nav-admin">{t("navAdmin")}</a>
      </nav>
      <main id="main">
        {(path === "/app/" || path === "/app" || path === "/app/login") && <EnvelopeList />}
        {path === "/app/new" && <NewEnvelope />}
        {path === "/app/retention" && <Retention />}
        {path === "/app/admin" && <Admin session={session} />}
        {path === "/app/templates" && <TemplateList />}
        {path === "/app/bulk" && <BulkSendPage />}
        {templateFrom && <NewTemplate key={templateFrom[1]} sourceEnvelopeId={templateFrom[1]} />}
        {templateDetail && <TemplateDetail key={templateDetail[1]} templateId={templateDetail[1]} />}
        {detail && <EnvelopeDetail envelopeId={detail[1]} userId={session.identity.userId} />}
        {!["/app/", "/app", "/app/login", "/app/new", "/app/retention", "/app/admin", "/app/templates", "/app/bulk"].includes(path) && !detail
          && !templateFrom && !templateDetail && <p>{t("notFound")}</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById("root")!);
