// Tenant administration: terms consent when a new version applies, users (create with a role, seats left,
// deactivate), two-factor policy and IP allow-list, API keys (the secret shown once), webhooks (the signing secret
// shown once, the delivery log), and signing delegations. Sections an ordinary member may not use are not shown.
import { useEffect, useState } from "preact/hooks";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AccountsService, DelegationScope, UserRole,
  type ApiKey, type Delegation, type GetSecuritySettingsResponse, type User,
} from "../gen/gmosign/accounts/v1/accounts_pb";
import { SigningService, type WebhookDelivery, type WebhookEndpoint } from "../gen/gmosign/signing/v1/signing_pb";
import { OperatorService, type TermsVersion } from "../gen/gmosign/reseller/v1/operator_pb";
import { ContractService } from "../gen/gmosign/reseller/v1/contract_pb";
import { client, withRetry } from "../lib/rpc";
import { currentLanguage, formatDateTime, translate, type Texts } from "../lib/i18n";
import { Busy, Notice, useAction, useLanguage } from "../lib/ui";
import { guarded, type Session } from "./shared";

const accounts = client(AccountsService);
const signing = client(SigningService);
const operator = client(OperatorService);
const contract = client(ContractService);
const at = (ts: Timestamp | undefined) => (ts ? formatDateTime(timestampDate(ts)) : "");

const texts: Texts = {
  title: { ja: "管理", en: "Administration" },
  terms: { ja: "利用規約", en: "Terms of use" },
  termsNew: { ja: "利用規約 {version} が {at} から適用されます。内容をご確認のうえ同意してください。", en: "Terms of use {version} apply from {at}. Please read them and agree." },
  termsAccepted: { ja: "最新の利用規約（{version}）に同意済みです。", en: "Your organisation has agreed to the latest terms ({version})." },
  termsRead: { ja: "規約を読む", en: "Read the terms" },
  termsAgree: { ja: "同意する", en: "I agree" },
  users: { ja: "ユーザー", en: "Users" },
  seats: { ja: "席数: {used} / {seats}（残り {left}）", en: "Seats: {used} of {seats} in use ({left} left)" },
  name: { ja: "氏名", en: "Name" },
  loginId: { ja: "ログインID（メールアドレス）", en: "Login ID (e-mail)" },
  role: { ja: "権限", en: "Role" },
  admin: { ja: "管理者", en: "Administrator" },
  member: { ja: "メンバー", en: "Member" },
  totp: { ja: "二要素認証", en: "Two-factor" },
  on: { ja: "設定済み", en: "on" },
  off: { ja: "未設定", en: "off" },
  inactive: { ja: "無効", en: "deactivated" },
  createUser: { ja: "ユーザーを追加", en: "Add user" },
  userCreated: { ja: "{login} を追加しました。初期パスワード: {password}（この画面でのみ表示されます）", en: "Added {login}. Initial password: {password} (shown only here)." },
  deactivate: { ja: "無効にする", en: "Deactivate" },
  security: { ja: "セキュリティ", en: "Security" },
  requireTotp: { ja: "全ユーザーに二要素認証を必須にする", en: "Require two-factor sign-in for every user" },
  ipList: { ja: "接続を許可する IP アドレス（1行に1つ、CIDR 可。空欄で制限なし）", en: "IP addresses allowed to connect (one per line, CIDR allowed; empty = no restriction)" },
  ipUnavailable: { ja: "IP アドレス制限オプションの契約が必要です。", en: "Needs the IP restriction option." },
  save: { ja: "保存", en: "Save" },
  saved: { ja: "保存しました。", en: "Saved." },
  apiKeys: { ja: "API キー", en: "API keys" },
  keyName: { ja: "キーの名前（連携先など）", en: "Key name (e.g. the integration)" },
  createKey: { ja: "API キーを発行", en: "Create API key" },
  keyCreated: { ja: "API キー（この画面でのみ表示されます）: {secret}", en: "API key (shown only here): {secret}" },
  revoke: { ja: "失効させる", en: "Revoke" },
  revoked: { ja: "失効済み", en: "revoked" },
  lastUsed: { ja: "最終利用", en: "Last used" },
  webhooks: { ja: "Webhook", en: "Webhooks" },
  url: { ja: "送信先 URL（https）", en: "Endpoint URL (https)" },
  createWebhook: { ja: "Webhook を登録", en: "Add webhook" },
  webhookCreated: { ja: "署名用シークレット（この画面でのみ表示されます）: {secret}", en: "Signing secret (shown only here): {secret}" },
  deliveries: { ja: "配信ログ", en: "Delivery log" },
  delete: { ja: "削除", en: "Delete" },
  delivered: { ja: "配信済み", en: "delivered" },
  failedDelivery: { ja: "失敗", en: "failed" },
  pending: { ja: "再試行待ち", en: "retrying" },
  noDeliveries: { ja: "配信はまだありません。", en: "No deliveries yet." },
  delegations: { ja: "署名の代理", en: "Signing delegations" },
  delegate: { ja: "代理人", en: "Delegate" },
  scopeAll: { ja: "すべての封筒", en: "All envelopes" },
  scopeTag: { ja: "タグの付いた封筒", en: "Envelopes with a tag" },
  tag: { ja: "タグ", en: "Tag" },
  until: { ja: "有効期限", en: "Valid until" },
  grant: { ja: "代理を設定", en: "Grant" },
  failed: { ja: "できませんでした: {message}", en: "That did not work: {message}" },
};
const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);

/** Runs an action and reports its failure in the section. */
function useSectionAction(): [boolean, string, (action: () => Promise<void>) => Promise<boolean>] {
  const { busy, error, run } = useAction((message) => t("failed", { message }));
  return [busy, error, run];
}

export function Admin(props: { session: Session }) {
  useLanguage();
  const isAdmin = props.session.identity.roles.includes("admin");
  // Bumped when users change, so the delegation form offers a user added a moment ago.
  const [usersVersion, setUsersVersion] = useState(0);
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{t("title")}</h1>
      {isAdmin && <Terms />}
      {isAdmin && <Users self={props.session.identity.userId} onChanged={() => setUsersVersion((v) => v + 1)} />}
      {isAdmin && <Security />}
      {isAdmin && <ApiKeys />}
      {isAdmin && <Webhooks />}
      <Delegations self={props.session.identity.userId} usersVersion={usersVersion} />
    </section>
  );
}

function Terms() {
  const [latest, setLatest] = useState<TermsVersion | null>(null);
  const [accepted, setAccepted] = useState("");
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => operator.listTermsVersions({}))).then((r) => {
    setLatest(r.versions[0] ?? null);
    setAccepted(r.acceptedVersion);
  }).catch(() => {});
  useEffect(() => { void load(); }, []);
  if (!latest) {
    return null;
  }
  const current = accepted === latest.version;
  return (
    <section class="card" aria-labelledby="terms-title" id="terms">
      <h2 id="terms-title">{t("terms")}</h2>
      {current ? <p id="terms-state">{t("termsAccepted", { version: latest.version })}</p> : (
        <Notice kind="warning" id="terms-state">
          <p>{t("termsNew", { version: latest.version, at: at(latest.effectiveAt) })}</p>
          <p>{currentLanguage() === "ja" ? latest.summaryJa : latest.summaryEn}</p>
          <p><a href={latest.url} target="_blank" rel="noopener noreferrer">{t("termsRead")}</a></p>
          <Busy busy={busy} id="accept-terms" onClick={() => run(async () => {
            await guarded(() => withRetry(() => contract.acceptTermsVersion({ version: latest.version })));
            await load();
          })}>{t("termsAgree")}</Busy>
        </Notice>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </section>
  );
}

function Users(props: { self: string; onChanged: () => void }) {
  const [users, setUsers] = useState<User[]>([]);
  const [seats, setSeats] = useState({ seats: 0, used: 0 });
  const [login, setLogin] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState(UserRole.MEMBER);
  const [created, setCreated] = useState("");
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => accounts.listUsers({}))).then((r) => {
    setUsers(r.users);
    setSeats({ seats: r.seats, used: r.seatsUsed });
  });
  useEffect(() => { void load().catch(() => {}); }, []);
  return (
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">{t("users")}</h2>
      <p id="seats">{t("seats", { used: seats.used, seats: seats.seats, left: Math.max(0, seats.seats - seats.used) })}</p>
      <div class="table-wrap">
        <table id="users">
          <thead><tr><th scope="col">{t("name")}</th><th scope="col">{t("loginId")}</th><th scope="col">{t("role")}</th><th scope="col">{t("totp")}</th><th scope="col"><span class="visually-hidden">{t("deactivate")}</span></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.userId} data-user={u.loginId}>
                <td>{u.displayName}{!u.active && <span class="hint"> （{t("inactive")}）</span>}</td>
                <td>{u.loginId}</td>
                <td>{u.role === UserRole.ADMIN ? t("admin") : t("member")}</td>
                <td>{u.totpEnrolled ? t("on") : t("off")}</td>
                <td>{u.active && u.userId !== props.self && (
                  <button type="button" class="link" onClick={() => run(async () => { await guarded(() => withRetry(() => accounts.deactivateUser({ userId: u.userId }))); await load(); })}>{t("deactivate")}</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={(e) => { e.preventDefault(); void run(async () => {
        const r = await guarded(() => withRetry(() => accounts.createUser({ loginId: login.trim(), displayName: name.trim(), role })));
        setCreated(t("userCreated", { login: r.user!.loginId, password: r.initialPassword }));
        setLogin("");
        setName("");
        await load();
        props.onChanged();
      }); }}>
        <div class="row">
          <div><label for="new-user-name">{t("name")}</label><input id="new-user-name" required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></div>
          <div><label for="new-user-login">{t("loginId")}</label><input id="new-user-login" type="email" required maxLength={254} value={login} onInput={(e) => setLogin((e.target as HTMLInputElement).value)} /></div>
          <div><label for="new-user-role">{t("role")}</label>
            <select id="new-user-role" value={role} onChange={(e) => setRole(Number((e.target as HTMLSelectElement).value))}>
              <option value={UserRole.MEMBER}>{t("member")}</option><option value={UserRole.ADMIN}>{t("admin")}</option>
            </select></div>
        </div>
        <Busy busy={busy} type="submit" id="create-user">{t("createUser")}</Busy>
      </form>
      {created && <Notice kind="success" id="user-created">{created}</Notice>}
      {error && <Notice kind="error" id="users-error">{error}</Notice>}
    </section>
  );
}

function Security() {
  const [settings, setSettings] = useState<GetSecuritySettingsResponse | null>(null);
  const [ips, setIps] = useState("");
  const [saved, setSaved] = useState(false);
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => accounts.getSecuritySettings({}))).then((s) => { setSettings(s); setIps(s.ipAllowList.join("\n")); });
  useEffect(() => { void load().catch(() => {}); }, []);
  if (!settings) {
    return null;
  }
  return (
    <section class="card" aria-labelledby="security-title">
      <h2 id="security-title">{t("security")}</h2>
      <label class="check"><input type="checkbox" id="require-totp" checked={settings.totpRequired} disabled={busy} onChange={(e) => {
        const required = (e.target as HTMLInputElement).checked;
        // Shown at once; put back by the reload if the server refused.
        setSettings({ ...settings, totpRequired: required });
        void run(async () => {
          try {
            await guarded(() => withRetry(() => accounts.setTwoFactorPolicy({ required })));
          } finally {
            await load();
          }
        });
      }} /><span>{t("requireTotp")}</span></label>
      <form onSubmit={(e) => { e.preventDefault(); setSaved(false); void run(async () => {
        await guarded(() => withRetry(() => accounts.setIpAllowList({ cidrs: ips.split(/\s+/).map((x) => x.trim()).filter(Boolean) })));
        await load();
        setSaved(true);
      }); }}>
        <label for="ip-list">{t("ipList")}</label>
        {!settings.ipRestrictionAvailable && <p class="hint">{t("ipUnavailable")}</p>}
        <textarea id="ip-list" rows={3} value={ips} onInput={(e) => setIps((e.target as HTMLTextAreaElement).value)} />
        <Busy busy={busy} type="submit" kind="secondary" id="save-ip-list">{t("save")}</Busy>
      </form>
      {saved && <Notice kind="success">{t("saved")}</Notice>}
      {error && <Notice kind="error" id="security-error">{error}</Notice>}
    </section>
  );
}

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => accounts.listApiKeys({}))).then((r) => setKeys(r.apiKeys));
  useEffect(() => { void load().catch(() => {}); }, []);
  return (
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">{t("apiKeys")}</h2>
      <ul class="plain" id="api-keys">
        {keys.map((k) => (
          <li key={k.keyId} data-key={k.name}>
            <strong>{k.name}</strong> <code>{k.prefix}…</code> <span class="hint">{at(k.createdAt)}{k.lastUsedAt && ` · ${t("lastUsed")}: ${at(k.lastUsedAt)}`}</span>
            {k.revokedAt ? <span class="badge s-declined">{t("revoked")}</span> : (
              <button type="button" class="link" onClick={() => run(async () => { await guarded(() => withRetry(() => accounts.revokeApiKey({ keyId: k.keyId }))); await load(); })}>{t("revoke")}</button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); void run(async () => {
        const r = await guarded(() => withRetry(() => accounts.createApiKey({ name: name.trim() })));
        setSecret(r.secret);
        setName("");
        await load();
      }); }}>
        <label for="key-name">{t("keyName")}</label>
        <input id="key-name" required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <Busy busy={busy} type="submit" kind="secondary" id="create-key">{t("createKey")}</Busy>
      </form>
      {secret && <Notice kind="success" id="key-secret"><code>{t("keyCreated", { secret })}</code></Notice>}
      {error && <Notice kind="error" id="keys-error">{error}</Notice>}
    </section>
  );
}

function Webhooks() {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[]>([]);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [log, setLog] = useState<{ id: string; deliveries: WebhookDelivery[] } | null>(null);
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => signing.listWebhookEndpoints({}))).then((r) => setEndpoints(r.endpoints));
  useEffect(() => { void load().catch(() => {}); }, []);
  return (
    <section class="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t("webhooks")}</h2>
      <ul class="plain" id="webhooks">
        {endpoints.map((w) => (
          <li key={w.endpointId} data-webhook={w.url}>
            <code>{w.url}</code>
            <button type="button" class="link" onClick={() => run(async () => {
              const r = await guarded(() => withRetry(() => signing.listWebhookDeliveries({ endpointId: w.endpointId, pageSize: 50 })));
              setLog({ id: w.endpointId, deliveries: r.deliveries });
            })}>{t("deliveries")}</button>
            <button type="button" class="link" onClick={() => run(async () => { await guarded(() => withRetry(() => signing.deleteWebhookEndpoint({ endpointId: w.endpointId }))); await load(); })}>{t("delete")}</button>
            {log?.id === w.endpointId && (log.deliveries.length === 0 ? <p class="hint">{t("noDeliveries")}</p> : (
              <ul class="hint deliveries">{log.deliveries.map((d) => (
                <li key={String(d.deliveryId)} data-event={d.event}>
                  {at(d.createdAt)} {d.event} — {d.deliveredAt ? t("delivered") : d.failedAt ? t("failedDelivery") : t("pending")}
                  {d.lastStatus > 0 && ` (HTTP ${d.lastStatus})`} {d.lastError}
                </li>
              ))}</ul>
            ))}
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); void run(async () => {
        const r = await guarded(() => withRetry(() => signing.createWebhookEndpoint({ url: url.trim() })));
        setSecret(r.secret);
        setUrl("");
        await load();
      }); }}>
        <label for="webhook-url">{t("url")}</label>
        <input id="webhook-url" type="url" required maxLength={2000} value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <Busy busy={busy} type="submit" kind="secondary" id="create-webhook">{t("createWebhook")}</Busy>
      </form>
      {secret && <Notice kind="success" id="webhook-secret"><code>{t("webhookCreated", { secret })}</code></Notice>}
      {error && <Notice kind="error" id="webhooks-error">{error}</Notice>}
    </section>
  );
}

function Delegations(props: { self: string; usersVersion: number }) {
  const [delegations, setDelegations] = useState<Delegation[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [delegate, setDelegate] = useState("");
  const [scope, setScope] = useState(DelegationScope.ALL);
  const [tag, setTag] = useState("");
  const [until, setUntil] = useState("");
  const [busy, error, run] = useSectionAction();
  const load = () => guarded(() => withRetry(() => accounts.listDelegations({}))).then((r) => setDelegations(r.delegations));
  useEffect(() => {
    void load().catch(() => {});
  }, []);
  useEffect(() => {
    guarded(() => withRetry(() => accounts.listUsers({}))).then((r) => setUsers(r.users.filter((u) => u.active && u.userId !== props.self))).catch(() => {});
  }, [props.usersVersion]);
  const nameOf = (id: string) => users.find((u) => u.userId === id)?.displayName ?? id;
  return (
    <section class="card" aria-labelledby="delegations-title">
      <h2 id="delegations-title">{t("delegations")}</h2>
      <ul class="plain" id="delegations">
        {delegations.map((d) => (
          <li key={d.delegationId}>
            {nameOf(d.principalUserId)} → {nameOf(d.delegateUserId)} · {d.scope === DelegationScope.TAG ? `${t("tag")}: ${d.tag}` : t("scopeAll")} · {at(d.validFrom)} – {at(d.validUntil)}
            {d.revokedAt ? <span class="badge s-declined">{t("revoked")}</span> : (
              <button type="button" class="link" onClick={() => run(async () => { await guarded(() => withRetry(() => accounts.revokeDelegation({ delegationId: d.delegationId }))); await load(); })}>{t("revoke")}</button>
            )}
          </li>
        ))}
      </ul>
      {users.length > 0 && (
        <form onSubmit={(e) => { e.preventDefault(); void run(async () => {
          await guarded(() => withRetry(() => accounts.grantDelegation({
            delegateUserId: delegate || users[0].userId, scope, tag: scope === DelegationScope.TAG ? tag.trim() : "",
            validUntil: until ? timestampFromDate(new Date(until)) : undefined,
          })));
          await load();
        }); }}>
          <div class="row">
            <div><label for="delegate">{t("delegate")}</label>
              <select id="delegate" value={delegate} onChange={(e) => setDelegate((e.target as HTMLSelectElement).value)}>
                {users.map((u) => <option key={u.userId} value={u.userId}>{u.displayName}</option>)}
              </select></div>
            <div><label for="scope">{t("scopeAll")} / {t("scopeTag")}</label>
              <select id="scope" value={scope} onChange={(e) => setScope(Number((e.target as HTMLSelectElement).value))}>
                <option value={DelegationScope.ALL}>{t("scopeAll")}</option><option value={DelegationScope.TAG}>{t("scopeTag")}</option>
              </select></div>
            {scope === DelegationScope.TAG && <div><label for="delegation-tag">{t("tag")}</label><input id="delegation-tag" required maxLength={50} value={tag} onInput={(e) => setTag((e.target as HTMLInputElement).value)} /></div>}
            <div><label for="delegation-until">{t("until")}</label><input id="delegation-until" type="date" required value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} /></div>
          </div>
          <Busy busy={busy} type="submit" kind="secondary" id="grant-delegation">{t("grant")}</Busy>
        </form>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </section>
  );
}
