// The operator console, /ops: the application review queue with the screening findings (approve, or reject with the
// reasons of the terms' Art. 2-3), tenants (suspend, resume, terminate for cause) and maintenance windows.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { AccountsService } from "../gen/gmosign/accounts/v1/accounts_pb";
import {
  ApplicationStatus, CustomerKind, RejectionReason, ResellerService, ScreeningFinding, TenantStatus, TerminationKind,
  type Application, type Tenant,
} from "../gen/gmosign/reseller/v1/reseller_pb";
import { OperatorService, type ApproveApplicationResponse, type Maintenance, type TermsVersion } from "../gen/gmosign/reseller/v1/operator_pb";
import { NoticeKind } from "../gen/gmosign/reseller/v1/contract_pb";
import { client, failure, setBearer, withRetry } from "../lib/rpc";
import { formatDateTime, translate, type Texts } from "../lib/i18n";
import { Busy, Header, Notice, useAction, useLanguage } from "../lib/ui";
import { Login } from "../app/Login";
import { guarded, onSessionExpired, type Session } from "../app/shared";

const texts: Texts = {
  console: { ja: "運営コンソール", en: "Operator console" },
  logout: { ja: "ログアウト", en: "Sign out" },
  sessionExpired: { ja: "セッションの有効期限が切れました。もう一度ログインしてください。", en: "Your session has ended. Please sign in again." },
  applications: { ja: "申込審査", en: "Applications" },
  tenants: { ja: "テナント", en: "Tenants" },
  maintenance: { ja: "メンテナンス", en: "Maintenance" },
  noApplications: { ja: "審査待ちの申込はありません。", en: "No applications are waiting." },
  kindOrg: { ja: "法人", en: "Organisation" },
  kindConsumer: { ja: "個人", en: "Individual" },
  corporateNumber: { ja: "法人番号", en: "Corporate number" },
  representative: { ja: "代表者", en: "Representative" },
  contact: { ja: "連絡先", en: "Contact" },
  plan: { ja: "プラン", en: "Plan" },
  term: { ja: "契約期間", en: "Term" },
  months: { ja: "{n}か月", en: "{n} months" },
  identity: { ja: "本人確認", en: "Identity check" },
  antiSocial: { ja: "反社会的勢力でない旨の表明", en: "Anti-social forces declaration" },
  yes: { ja: "あり", en: "given" },
  no: { ja: "なし", en: "missing" },
  submitted: { ja: "申込日時", en: "Submitted" },
  findings: { ja: "審査での指摘", en: "Screening findings" },
  noFindings: { ja: "指摘事項はありません。", en: "No findings." },
  [`finding.${ScreeningFinding.MINOR_WITHOUT_GUARDIAN_CONSENT}`]: { ja: "未成年で法定代理人の同意がない", en: "A minor without a guardian's consent" },
  [`finding.${ScreeningFinding.IDENTITY_NOT_VERIFIED}`]: { ja: "本人確認が済んでいない", en: "Identity not verified" },
  [`finding.${ScreeningFinding.PRIOR_DELINQUENCY}`]: { ja: "過去に支払遅延がある", en: "Earlier payment delinquency" },
  [`finding.${ScreeningFinding.PRIOR_TERMINATION_FOR_CAUSE}`]: { ja: "過去に契約解除されている", en: "Earlier termination for cause" },
  [`finding.${ScreeningFinding.ANTI_SOCIAL_DECLARATION_MISSING}`]: { ja: "反社会的勢力でない旨の表明がない", en: "Anti-social forces declaration missing" },
  approve: { ja: "承認する", en: "Approve" },
  reject: { ja: "却下する", en: "Reject" },
  rejectReasons: { ja: "却下の理由（利用規約 第2条第3項）", en: "Reasons for rejection (terms Art. 2-3)" },
  [`reason.${RejectionReason.EXPECTED_VIOLATION}`]: { ja: "規約に違反するおそれがある（1号）", en: "Likely to violate the terms (item 1)" },
  [`reason.${RejectionReason.PAYMENT_DELINQUENCY}`]: { ja: "支払いを怠るおそれがある（2号）", en: "Likely payment delinquency (item 2)" },
  [`reason.${RejectionReason.FALSE_STATEMENT}`]: { ja: "申込内容に虚偽がある（3号）", en: "False statement in the application (item 3)" },
  [`reason.${RejectionReason.NO_LEGAL_CAPACITY}`]: { ja: "行為能力がない（4号）", en: "No legal capacity (item 4)" },
  [`reason.${RejectionReason.ANTI_SOCIAL_FORCE}`]: { ja: "反社会的勢力に該当する（5号）", en: "An anti-social force (item 5)" },
  [`reason.${RejectionReason.IDENTITY_UNVERIFIABLE}`]: { ja: "本人確認ができない（6号）", en: "Identity cannot be verified (item 6)" },
  [`reason.${RejectionReason.OPERATIONAL_HINDRANCE}`]: { ja: "その他、業務上支障がある（7号）", en: "Otherwise a hindrance to operations (item 7)" },
  note: { ja: "メモ（任意）", en: "Note (optional)" },
  approved: {
    ja: "承認しました。テナント管理者のログインID: {login} 初期パスワード: {password}（この画面でのみ表示されます。販売代理店経由で安全に伝えてください）",
    en: "Approved. Tenant administrator login: {login}, initial password: {password} (shown only here; pass it on safely through the reseller).",
  },
  rejected: { ja: "却下しました。", en: "Rejected." },
  name: { ja: "名称", en: "Name" },
  status: { ja: "状態", en: "Status" },
  termEnd: { ja: "契約満了", en: "Term ends" },
  actions: { ja: "操作", en: "Actions" },
  [`tenant.${TenantStatus.ACTIVE}`]: { ja: "利用中", en: "Active" },
  [`tenant.${TenantStatus.SUSPENDED}`]: { ja: "停止中", en: "Suspended" },
  [`tenant.${TenantStatus.TERMINATED}`]: { ja: "解約", en: "Terminated" },
  [`tenant.${TenantStatus.DELETED}`]: { ja: "削除済み", en: "Deleted" },
  suspend: { ja: "利用停止", en: "Suspend" },
  resume: { ja: "停止解除", en: "Resume" },
  terminate: { ja: "契約解除", en: "Terminate" },
  reason: { ja: "理由", en: "Reason" },
  clause: { ja: "根拠条項（例: 20-2(3)）", en: "Clause relied on (e.g. 20-2(3))" },
  forCause: { ja: "規約違反による解除（第20条第2項）", en: "For cause (Art. 20-2)" },
  antiSocialTermination: { ja: "反社会的勢力による解除（第22条第3項）", en: "Anti-social force (Art. 22-3)" },
  confirm: { ja: "実行", en: "Confirm" },
  cancel: { ja: "キャンセル", en: "Cancel" },
  next: { ja: "次へ", en: "Next" },
  noMaintenance: { ja: "予定されたメンテナンスはありません。", en: "No maintenance is scheduled." },
  maintenanceActive: { ja: "メンテナンス中（{from} 〜 {to}）", en: "Under maintenance ({from} to {to})" },
  maintenanceAnnounced: { ja: "予定: {from} 〜 {to}", en: "Scheduled: {from} to {to}" },
  noticeJa: { ja: "お知らせ（日本語）", en: "Notice (Japanese)" },
  noticeEn: { ja: "お知らせ（英語）", en: "Notice (English)" },
  startsAt: { ja: "開始（空欄なら今すぐ）", en: "Starts (now when empty)" },
  endsAt: { ja: "終了予定", en: "Expected end" },
  startMaintenance: { ja: "メンテナンスを開始・予告する", en: "Start or announce maintenance" },
  endMaintenance: { ja: "メンテナンスを終了する", en: "End maintenance" },
  failed: { ja: "できませんでした: {message}", en: "That did not work: {message}" },
  terms: { ja: "規約とお知らせ", en: "Terms and notices" },
  termsVersions: { ja: "利用規約のバージョン", en: "Terms versions" },
  version: { ja: "バージョン", en: "Version" },
  effectiveAt: { ja: "適用開始", en: "Effective from" },
  summaryJa: { ja: "変更の概要（日本語）", en: "Summary (Japanese)" },
  summaryEn: { ja: "変更の概要（英語）", en: "Summary (English)" },
  termsUrl: { ja: "全文の URL", en: "Full text URL" },
  publishTerms: { ja: "規約を公開", en: "Publish terms" },
  notice: { ja: "お知らせの配信", en: "Publish a notice" },
  noticeKind: { ja: "種類", en: "Kind" },
  [`kind.${NoticeKind.GENERAL}`]: { ja: "一般", en: "General" },
  [`kind.${NoticeKind.MAINTENANCE}`]: { ja: "メンテナンス", en: "Maintenance" },
  [`kind.${NoticeKind.TERMS_CHANGE}`]: { ja: "規約変更", en: "Terms change" },
  [`kind.${NoticeKind.DISCONTINUATION}`]: { ja: "提供終了", en: "Discontinuation" },
  titleJa: { ja: "件名（日本語）", en: "Title (Japanese)" },
  titleEn: { ja: "件名（英語）", en: "Title (English)" },
  bodyJa: { ja: "本文（日本語）", en: "Body (Japanese)" },
  bodyEn: { ja: "本文（英語）", en: "Body (English)" },
  publish: { ja: "配信する", en: "Publish" },
  published: { ja: "配信しました。", en: "Published." },
  loading: { ja: "読み込んでいます…", en: "Loading…" },
};
const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);
const at = (ts: Timestamp | undefined) => (ts ? formatDateTime(timestampDate(ts)) : "");
const accounts = client(AccountsService);
const resellers = client(ResellerService);
const operator = client(OperatorService);
const storageKey = "gmosign.ops-session";

function App() {
  useLanguage();
  const [session, setSession] = useState<Session | null>(() => {
    const raw = sessionStorage.getItem(storageKey);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    setBearer(s?.token ?? null);
    return s;
  });
  const [tab, setTab] = useState<"applications" | "tenants" | "maintenance" | "terms">("applications");
  const [notice, setNotice] = useState("");
  const signOut = (message: string) => {
    sessionStorage.removeItem(storageKey);
    setBearer(null);
    setSession(null);
    setNotice(message);
  };
  onSessionExpired(() => signOut(t("sessionExpired")));
  useEffect(() => {
    document.title = `${t("console")} | GmoSign`;
  });

  if (!session) {
    return (
      <>
        <Header subtitle={t("console")} />
        <main id="main">
          {notice && <Notice id="session-notice">{notice}</Notice>}
          <Login onSignedIn={(s) => { sessionStorage.setItem(storageKey, JSON.stringify(s)); setBearer(s.token); setSession(s); }} />
        </main>
      </>
    );
  }
  return (
    <>
      <Header subtitle={t("console")}>
        <span class="who" id="who">{session.identity.displayName}</span>
        <button type="button" class="secondary small" id="logout" onClick={async () => {
          try { await accounts.logout({}); } catch { /* ended already */ }
          signOut("");
        }}>{t("logout")}</button>
      </Header>
      <nav class="tabs" aria-label={t("console")}>
        {(["applications", "tenants", "maintenance", "terms"] as const).map((name) => (
          <a key={name} href={`/ops/${name}`} id={`tab-${name}`} aria-current={tab === name ? "page" : undefined}
            onClick={(e) => { e.preventDefault(); setTab(name); }}>{t(name)}</a>
        ))}
      </nav>
      <main id="main">
        {tab === "applications" && <Applications />}
        {tab === "tenants" && <Tenants />}
        {tab === "maintenance" && <MaintenancePanel />}
        {tab === "terms" && <TermsAndNotices />}
      </main>
    </>
  );
}

function Applications() {
  const [items, setItems] = useState<Application[] | null>(null);
  const [error, setError] = useState("");
  const [result, setResult] = useState("");
  const load = () => guarded(() => withRetry(() => resellers.listApplications({ status: ApplicationStatus.PENDING, pageSize: 50 })))
    .then((r) => setItems(r.applications)).catch((e) => setError(failure(e).message));
  useEffect(() => { void load(); }, []);
  return (
    <section aria-labelledby="applications-title">
      <h1 id="applications-title">{t("applications")}</h1>
      {result && <Notice kind="success" id="decision">{result}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {items === null ? <p class="loading">{t("loading")}</p> : items.length === 0 ? <p id="no-applications">{t("noApplications")}</p>
        : items.map((a) => <ApplicationCard key={a.applicationId} application={a} onDecided={(message) => { setResult(message); void load(); }} />)}
    </section>
  );
}

function ApplicationCard(props: { application: Application; onDecided: (message: string) => void }) {
  const a = props.application;
  const c = a.customer!;
  const [rejecting, setRejecting] = useState(false);
  const [reasons, setReasons] = useState<RejectionReason[]>([]);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const decide = async (call: () => Promise<string>) => {
    setBusy(true);
    setError("");
    try {
      props.onDecided(await call());
    } catch (e) {
      setError(t("failed", { message: failure(e).message }));
    } finally {
      setBusy(false);
    }
  };
  const approve = () => decide(async () => {
    const r: ApproveApplicationResponse = await guarded(() => withRetry(() => operator.approveApplication({ applicationId: a.applicationId, note })));
    return t("approved", { login: r.adminLoginId, password: r.adminInitialPassword });
  });
  const reject = (e: Event) => {
    e.preventDefault();
    return decide(async () => {
      await guarded(() => withRetry(() => operator.rejectApplication({ applicationId: a.applicationId, reasons, note })));
      return t("rejected");
    });
  };
  const verification = a.identityVerification;
  return (
    <article class="card application" data-application={c.name} aria-labelledby={`app-${a.applicationId}`}>
      <h2 id={`app-${a.applicationId}`}>{c.name} <span class="hint">（{c.kind === CustomerKind.CONSUMER ? t("kindConsumer") : t("kindOrg")}）</span></h2>
      <dl class="facts">
        {c.corporateNumber && (<><dt>{t("corporateNumber")}</dt><dd>{c.corporateNumber}</dd></>)}
        {c.representativeName && (<><dt>{t("representative")}</dt><dd>{c.representativeName}</dd></>)}
        <dt>{t("contact")}</dt><dd>{c.contactEmail} {c.phone}</dd>
        <dt>{t("plan")}</dt><dd>{a.plan} / {t("months", { n: a.termMonths })}</dd>
        <dt>{t("identity")}</dt><dd>{verification ? `${verification.method} ${verification.reference}` : t("no")}</dd>
        <dt>{t("antiSocial")}</dt><dd>{a.antiSocialForcesDeclared ? t("yes") : t("no")}</dd>
        <dt>{t("submitted")}</dt><dd>{at(a.submittedAt)}</dd>
      </dl>
      <h3>{t("findings")}</h3>
      {a.findings.length === 0 ? <p>{t("noFindings")}</p> : (
        <ul class="findings">{a.findings.map((f) => <li key={f} data-finding={ScreeningFinding[f]}>{t(`finding.${f}`)}</li>)}</ul>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {!rejecting ? (
        <div class="buttons">
          <Busy busy={busy} onClick={approve} id={`approve-${a.applicationId}`}>{t("approve")}</Busy>
          <button type="button" class="secondary" onClick={() => setRejecting(true)}>{t("reject")}</button>
        </div>
      ) : (
        <form onSubmit={reject}>
          <fieldset>
            <legend>{t("rejectReasons")}</legend>
            {[RejectionReason.EXPECTED_VIOLATION, RejectionReason.PAYMENT_DELINQUENCY, RejectionReason.FALSE_STATEMENT, RejectionReason.NO_LEGAL_CAPACITY,
              RejectionReason.ANTI_SOCIAL_FORCE, RejectionReason.IDENTITY_UNVERIFIABLE, RejectionReason.OPERATIONAL_HINDRANCE].map((r) => (
              <label class="check" key={r}>
                <input type="checkbox" checked={reasons.includes(r)} onChange={(e) => setReasons((e.target as HTMLInputElement).checked ? [...reasons, r] : reasons.filter((x) => x !== r))} />
                <span>{t(`reason.${r}`)}</span>
              </label>
            ))}
          </fieldset>
          <label for={`note-${a.applicationId}`}>{t("note")}</label>
          <textarea id={`note-${a.applicationId}`} maxLength={1000} rows={2} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
          <div class="buttons">
            <Busy busy={busy} kind="danger" type="submit" disabled={reasons.length === 0}>{t("reject")}</Busy>
            <button type="button" class="secondary" onClick={() => setRejecting(false)}>{t("cancel")}</button>
          </div>
        </form>
      )}
    </article>
  );
}

function Tenants() {
  const [tokens, setTokens] = useState<string[]>([""]);
  const [items, setItems] = useState<Tenant[] | null>(null);
  const [next, setNext] = useState("");
  const [acting, setActing] = useState<{ tenant: Tenant; action: "suspend" | "terminate" } | null>(null);
  const [reason, setReason] = useState("");
  const [clause, setClause] = useState("");
  const [kind, setKind] = useState(TerminationKind.FOR_CAUSE);
  const { busy, error, setError, run: act } = useAction((message) => t("failed", { message }));
  const load = () => guarded(() => withRetry(() => resellers.listTenants({ pageSize: 50, pageToken: tokens[tokens.length - 1] })))
    .then((r) => { setItems(r.tenants); setNext(r.nextPageToken); }).catch((e) => setError(failure(e).message));
  useEffect(() => { void load(); }, [tokens]);
  const run = (call: () => Promise<unknown>) => act(async () => {
    await guarded(() => withRetry(call));
    setActing(null);
    setReason("");
    await load();
  });
  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">{t("tenants")}</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {acting && (
        <form class="card" onSubmit={(e) => {
          e.preventDefault();
          const id = acting.tenant.tenantId;
          void run(acting.action === "suspend"
            ? () => operator.suspendTenant({ tenantId: id, reason: reason.trim() })
            : () => operator.terminateTenantForCause({ tenantId: id, kind, clause: clause.trim(), reason: reason.trim() }));
        }}>
          <h2>{acting.tenant.customer?.name}: {acting.action === "suspend" ? t("suspend") : t("terminate")}</h2>
          {acting.action === "terminate" && (
            <>
              <label for="termination-kind">{t("terminate")}</label>
              <select id="termination-kind" value={kind} onChange={(e) => setKind(Number((e.target as HTMLSelectElement).value))}>
                <option value={TerminationKind.FOR_CAUSE}>{t("forCause")}</option>
                <option value={TerminationKind.ANTI_SOCIAL_FORCE}>{t("antiSocialTermination")}</option>
              </select>
              <label for="clause">{t("clause")}</label>
              <input id="clause" required maxLength={20} value={clause} onInput={(e) => setClause((e.target as HTMLInputElement).value)} />
            </>
          )}
          <label for="tenant-reason">{t("reason")}</label>
          <textarea id="tenant-reason" required maxLength={1000} rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          <div class="buttons">
            <Busy busy={busy} kind="danger" type="submit" id="confirm-tenant-action">{t("confirm")}</Busy>
            <button type="button" class="secondary" onClick={() => setActing(null)}>{t("cancel")}</button>
          </div>
        </form>
      )}
      {items === null ? <p class="loading">{t("loading")}</p> : (
        <div class="table-wrap">
          <table id="tenants">
            <thead><tr><th scope="col">{t("name")}</th><th scope="col">{t("plan")}</th><th scope="col">{t("status")}</th><th scope="col">{t("termEnd")}</th><th scope="col">{t("actions")}</th></tr></thead>
            <tbody>
              {items.map((x) => (
                <tr key={x.tenantId} data-tenant={x.customer?.name} data-status={TenantStatus[x.status]}>
                  <td>{x.customer?.name}</td>
                  <td>{x.plan}</td>
                  <td>{t(`tenant.${x.status}`)}{x.statusReason && <div class="hint">{x.statusReason}</div>}</td>
                  <td>{at(x.termEnd)}</td>
                  <td class="actions">
                    {x.status === TenantStatus.ACTIVE && <button type="button" class="secondary small" onClick={() => setActing({ tenant: x, action: "suspend" })}>{t("suspend")}</button>}
                    {x.status === TenantStatus.SUSPENDED && <button type="button" class="secondary small" onClick={() => run(() => operator.resumeTenant({ tenantId: x.tenantId }))}>{t("resume")}</button>}
                    {(x.status === TenantStatus.ACTIVE || x.status === TenantStatus.SUSPENDED) && (
                      <button type="button" class="danger small" onClick={() => setActing({ tenant: x, action: "terminate" })}>{t("terminate")}</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="buttons"><button type="button" class="secondary" disabled={!next} onClick={() => setTokens([...tokens, next])}>{t("next")}</button></div>
    </section>
  );
}

function MaintenancePanel() {
  const [current, setCurrent] = useState<Maintenance | null | undefined>(undefined);
  const [ja, setJa] = useState("");
  const [en, setEn] = useState("");
  const [starts, setStarts] = useState("");
  const [ends, setEnds] = useState("");
  const { busy, error, setError, run: act } = useAction((message) => t("failed", { message }));
  const load = () => guarded(() => withRetry(() => operator.getMaintenance({}))).then((r) => setCurrent(r.maintenance ?? null)).catch((e) => setError(failure(e).message));
  useEffect(() => { void load(); }, []);
  const run = (call: () => Promise<unknown>) => act(async () => {
    await guarded(call);
    await load();
  });
  return (
    <section aria-labelledby="maintenance-title">
      <h1 id="maintenance-title">{t("maintenance")}</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {current === undefined ? <p class="loading">{t("loading")}</p> : current === null ? <p id="maintenance-state">{t("noMaintenance")}</p> : (
        <Notice kind="warning" id="maintenance-state">
          <p>{(current.active ? t("maintenanceActive", { from: at(current.startsAt), to: at(current.endsAt) }) : t("maintenanceAnnounced", { from: at(current.startsAt), to: at(current.endsAt) }))}</p>
          <p lang="ja">{current.noticeJa}</p><p lang="en">{current.noticeEn}</p>
          <Busy busy={busy} kind="secondary" id="end-maintenance" onClick={() => run(() => operator.endMaintenance({}))}>{t("endMaintenance")}</Busy>
        </Notice>
      )}
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(() => operator.startMaintenance({
          noticeJa: ja.trim(), noticeEn: en.trim(),
          startsAt: starts ? timestampFromDate(new Date(starts)) : undefined,
          endsAt: ends ? timestampFromDate(new Date(ends)) : undefined,
        }));
      }}>
        <label for="notice-ja">{t("noticeJa")}</label>
        <textarea id="notice-ja" required maxLength={1000} rows={2} value={ja} onInput={(e) => setJa((e.target as HTMLTextAreaElement).value)} />
        <label for="notice-en">{t("noticeEn")}</label>
        <textarea id="notice-en" required maxLength={1000} rows={2} value={en} onInput={(e) => setEn((e.target as HTMLTextAreaElement).value)} />
        <div class="row">
          <div><label for="starts-at">{t("startsAt")}</label><input id="starts-at" type="datetime-local" value={starts} onInput={(e) => setStarts((e.target as HTMLInputElement).value)} /></div>
          <div><label for="ends-at">{t("endsAt")}</label><input id="ends-at" type="datetime-local" required value={ends} onInput={(e) => setEnds((e.target as HTMLInputElement).value)} /></div>
        </div>
        <Busy busy={busy} type="submit" id="start-maintenance">{t("startMaintenance")}</Busy>
      </form>
    </section>
  );
}

function TermsAndNotices() {
  const [versions, setVersions] = useState<TermsVersion[]>([]);
  const [terms, setTerms] = useState({ version: "", effective: "", ja: "", en: "", url: "" });
  const [notice, setNotice] = useState({ kind: NoticeKind.GENERAL, titleJa: "", titleEn: "", bodyJa: "", bodyEn: "", effective: "" });
  const { busy, error, setError, run: act } = useAction((message) => t("failed", { message }));
  const [done, setDone] = useState("");
  const load = () => guarded(() => withRetry(() => operator.listTermsVersions({}))).then((r) => setVersions(r.versions)).catch((e) => setError(failure(e).message));
  useEffect(() => { void load(); }, []);
  const run = (call: () => Promise<unknown>, message: string) => {
    setDone("");
    return act(async () => {
      await guarded(call);
      setDone(message);
      await load();
    });
  };
  const input = <K extends string>(state: Record<K, string | number>, set: (v: never) => void, key: K) => ({
    value: String(state[key]), onInput: (e: Event) => set({ ...state, [key]: (e.target as HTMLInputElement).value } as never),
  });
  return (
    <section aria-labelledby="terms-title">
      <h1 id="terms-title">{t("terms")}</h1>
      {done && <Notice kind="success" id="terms-done">{done}</Notice>}
      {error && <Notice kind="error" id="terms-error">{error}</Notice>}
      <section class="card" aria-labelledby="versions-title">
        <h2 id="versions-title">{t("termsVersions")}</h2>
        <div class="table-wrap">
          <table id="terms-versions">
            <thead><tr><th scope="col">{t("version")}</th><th scope="col">{t("effectiveAt")}</th><th scope="col">{t("summaryJa")}</th></tr></thead>
            <tbody>{versions.map((v) => <tr key={v.version} data-version={v.version}><td><a href={v.url} rel="noopener noreferrer" target="_blank">{v.version}</a></td><td>{at(v.effectiveAt)}</td><td>{v.summaryJa}</td></tr>)}</tbody>
          </table>
        </div>
        <form onSubmit={(e) => { e.preventDefault(); void run(() => withRetry(() => operator.publishTermsVersion({ terms: {
          version: terms.version.trim(), effectiveAt: terms.effective ? timestampFromDate(new Date(terms.effective)) : undefined,
          summaryJa: terms.ja.trim(), summaryEn: terms.en.trim(), url: terms.url.trim(),
        } })), t("published")); }}>
          <div class="row">
            <div><label for="terms-version">{t("version")}</label><input id="terms-version" required maxLength={40} {...input(terms, setTerms, "version")} /></div>
            <div><label for="terms-effective">{t("effectiveAt")}</label><input id="terms-effective" type="datetime-local" required {...input(terms, setTerms, "effective")} /></div>
            <div><label for="terms-url">{t("termsUrl")}</label><input id="terms-url" type="url" required maxLength={2000} {...input(terms, setTerms, "url")} /></div>
          </div>
          <label for="terms-ja">{t("summaryJa")}</label><textarea id="terms-ja" required maxLength={2000} rows={2} {...input(terms, setTerms, "ja")} />
          <label for="terms-en">{t("summaryEn")}</label><textarea id="terms-en" required maxLength={2000} rows={2} {...input(terms, setTerms, "en")} />
          <Busy busy={busy} type="submit" id="publish-terms">{t("publishTerms")}</Busy>
        </form>
      </section>
      <form class="card" aria-labelledby="notice-title" onSubmit={(e) => { e.preventDefault(); void run(() => withRetry(() => operator.publishNotice({
        kind: notice.kind, titleJa: notice.titleJa.trim(), titleEn: notice.titleEn.trim(), bodyJa: notice.bodyJa.trim(), bodyEn: notice.bodyEn.trim(),
        effectiveAt: notice.effective ? timestampFromDate(new Date(notice.effective)) : undefined,
      })), t("published")); }}>
        <h2 id="notice-title">{t("notice")}</h2>
        <div class="row">
          <div><label for="notice-kind">{t("noticeKind")}</label>
            <select id="notice-kind" value={notice.kind} onChange={(e) => setNotice({ ...notice, kind: Number((e.target as HTMLSelectElement).value) })}>
              {[NoticeKind.GENERAL, NoticeKind.MAINTENANCE, NoticeKind.TERMS_CHANGE, NoticeKind.DISCONTINUATION].map((k) => <option key={k} value={k}>{t(`kind.${k}`)}</option>)}
            </select></div>
          <div><label for="notice-effective">{t("effectiveAt")}</label><input id="notice-effective" type="datetime-local" required {...input(notice, setNotice, "effective")} /></div>
        </div>
        <div class="row">
          <div><label for="notice-title-ja">{t("titleJa")}</label><input id="notice-title-ja" required maxLength={200} {...input(notice, setNotice, "titleJa")} /></div>
          <div><label for="notice-title-en">{t("titleEn")}</label><input id="notice-title-en" required maxLength={200} {...input(notice, setNotice, "titleEn")} /></div>
        </div>
        <label for="notice-body-ja">{t("bodyJa")}</label><textarea id="notice-body-ja" required maxLength={5000} rows={3} {...input(notice, setNotice, "bodyJa")} />
        <label for="notice-body-en">{t("bodyEn")}</label><textarea id="notice-body-en" required maxLength={5000} rows={3} {...input(notice, setNotice, "bodyEn")} />
        <Busy busy={busy} type="submit" id="publish-notice">{t("publish")}</Busy>
      </form>
    </section>
  );
}

render(<App />, document.getElementById("root")!);
