// Creating an envelope: documents (drag and drop, the server's limits checked before uploading, a progress bar per
// file over the chunked upload), recipients in steps, deadline and reminders, retention data; then save or send.
// Each step carries a request id kept across retries, so pressing Send again after an error creates, uploads and
// sends once.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  RecipientRole, SigningService, StepCompletion,
  type GetSigningLimitsResponse,
} from "../gen/gmosign/signing/v1/signing_pb";
import { RetentionService, type RetentionDefault } from "../gen/gmosign/retention/v1/retention_pb";
import { AccountsService, type User } from "../gen/gmosign/accounts/v1/accounts_pb";
import { client, failure, requestId, withRetry } from "../lib/rpc";
import { currentLanguage, formatBytes } from "../lib/i18n";
import { Busy, Notice } from "../lib/ui";
import { guarded, navigate, t } from "./shared";
import { uploadPdf } from "./upload";

const signing = client(SigningService);
const retention = client(RetentionService);
const accounts = client(AccountsService);

interface RecipientRow {
  key: number;
  name: string;
  email: string;
  role: RecipientRole;
  step: number;
  accessCode: string;
  label: string;
}

interface FileRow {
  key: number;
  file: File;
  sent: number;
  documentId?: string;
}

let keys = 0;
const newRecipient = (step: number): RecipientRow => ({ key: ++keys, name: "", email: "", role: RecipientRole.SIGNER, step, accessCode: "", label: "" });

export function NewEnvelope() {
  const [limits, setLimits] = useState<GetSigningLimitsResponse | null>(null);
  const [types, setTypes] = useState<RetentionDefault[]>([]);
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [files, setFiles] = useState<FileRow[]>([]);
  const [recipients, setRecipients] = useState<RecipientRow[]>([newRecipient(1)]);
  const [anyOneSteps, setAnyOneSteps] = useState<number[]>([]);
  const [expiryDays, setExpiryDays] = useState(0);
  const [reminders, setReminders] = useState<"default" | "every" | "off">("default");
  const [everyDays, setEveryDays] = useState(3);
  const [allowReassign, setAllowReassign] = useState(false);
  const [users, setUsers] = useState<User[]>([]);
  const [approvers, setApprovers] = useState<string[]>([]);
  const [documentType, setDocumentType] = useState("contract");
  const [transactionDate, setTransactionDate] = useState("");
  const [amount, setAmount] = useState("");
  const [counterparty, setCounterparty] = useState("");
  const [tags, setTags] = useState("");
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState("");
  const [error, setError] = useState("");
  const [dragging, setDragging] = useState(false);
  // Kept across attempts: the same envelope, the same send.
  const ids = useRef({ create: requestId(), send: requestId(), envelopeId: "" });
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    guarded(() => withRetry(() => signing.getSigningLimits({}))).then((l) => {
      setLimits(l);
      setExpiryDays(l.defaultExpiryDays);
    }).catch((e) => setError(failure(e).message));
    guarded(() => withRetry(() => retention.getRetentionDefaults({}))).then((r) => setTypes(r.defaults)).catch(() => {});
    // Internal approvers are users of the tenant (listing them is an administrator's right; others send without).
    accounts.listUsers({}).then((r) => setUsers(r.users.filter((u) => u.active))).catch(() => {});
  }, []);

  const add = (list: FileList | null) => {
    if (!list || !limits) {
      return;
    }
    const problems: string[] = [];
    const accepted: FileRow[] = [];
    for (const file of Array.from(list)) {
      if (!file.name.toLowerCase().endsWith(".pdf")) {
        problems.push(t("notPdf", { name: file.name }));
      } else if (file.size > Number(limits.maxDocumentBytes)) {
        problems.push(t("tooLarge", { name: file.name, size: formatBytes(Number(limits.maxDocumentBytes)) }));
      } else {
        accepted.push({ key: ++keys, file, sent: 0 });
      }
    }
    if (files.length + accepted.length > limits.maxDocumentsPerEnvelope) {
      problems.push(t("tooMany", { count: limits.maxDocumentsPerEnvelope }));
      accepted.splice(limits.maxDocumentsPerEnvelope - files.length);
    }
    setFiles([...files, ...accepted]);
    setError(problems.join(" "));
  };

  const update = (key: number, change: Partial<RecipientRow>) => setRecipients(recipients.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const steps = [...new Set(recipients.map((r) => r.step))].sort((a, b) => a - b);

  const submit = async (send: boolean) => {
    setError("");
    if (files.length === 0) {
      setError(t("needDocument"));
      return;
    }
    if (!recipients.some((r) => r.role === RecipientRole.SIGNER)) {
      setError(t("needSigner"));
      return;
    }
    setBusy(true);
    try {
      if (!ids.current.envelopeId) {
        setProgress(t("creating"));
        const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(transactionDate);
        const created = await guarded(() => withRetry(() => signing.createEnvelope({
          requestId: ids.current.create,
          title: title.trim(),
          message: message.trim(),
          recipients: recipients.map((r) => ({
            name: r.name.trim(), email: r.email.trim(), role: r.role, step: r.step, accessCode: r.accessCode.trim(), label: r.label.trim(),
          })),
          steps: anyOneSteps.filter((s) => steps.includes(s)).map((step) => ({ step, completion: StepCompletion.ANY })),
          allowReassign,
          approverUserIds: approvers,
          expiryDays,
          remindersOff: reminders === "off",
          reminderEveryDays: reminders === "every" ? everyDays : 0,
          retention: {
            documentType,
            transactionDate: date ? { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) } : undefined,
            amount: BigInt(amount.replace(/[,\s]/g, "") || "0"),
            counterparty: counterparty.trim(),
            tags: tags.split(/[,、]/).map((x) => x.trim()).filter(Boolean),
          },
        })));
        ids.current.envelopeId = created.envelope!.envelopeId;
      }
      const envelopeId = ids.current.envelopeId;
      let current = files;
      for (const row of files) {
        if (row.documentId) {
          continue;
        }
        const uploaded = await guarded(() => uploadPdf(envelopeId, row.file, (sent, total) => {
          setProgress(t("uploading", { name: row.file.name, percent: Math.floor((sent / Math.max(total, 1)) * 100) }));
          current = current.map((f) => (f.key === row.key ? { ...f, sent } : f));
          setFiles(current);
        }));
        current = current.map((f) => (f.key === row.key ? { ...f, sent: f.file.size, documentId: uploaded.document!.documentId } : f));
        setFiles(current);
      }
      if (send) {
        setProgress(t("sending"));
        await guarded(() => withRetry(() => signing.sendEnvelope({ envelopeId, requestId: ids.current.send })));
      }
      navigate(`/app/envelopes/${envelopeId}`);
    } catch (e) {
      const f = failure(e);
      setError(t("failed", { message: f.message }));
    } finally {
      setBusy(false);
      setProgress("");
    }
  };

  const maxBytes = limits ? formatBytes(Number(limits.maxDocumentBytes)) : "";
  return (
    <form class="new-envelope" onSubmit={(e) => { e.preventDefault(); void submit(true); }} aria-labelledby="new-title">
      <h1 id="new-title">{t("newTitle")}</h1>
      <section class="card">
        <label for="title">{t("title")}</label>
        <input id="title" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <label for="message">{t("message")}</label>
        <textarea id="message" maxLength={2000} rows={3} value={message} onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)} />
      </section>

      <section class="card" aria-labelledby="documents-title">
        <h2 id="documents-title">{t("documents")}</h2>
        {limits && <p class="hint" id="limits">{t("limits", { size: maxBytes, count: limits.maxDocumentsPerEnvelope })}</p>}
        <div class={`drop ${dragging ? "over" : ""}`} id="drop-zone"
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)}
          onDrop={(e) => { e.preventDefault(); setDragging(false); add(e.dataTransfer?.files ?? null); }}>
          <p>{t("dropHere")}</p>
          <button type="button" class="secondary" onClick={() => input.current?.click()}>{t("chooseFiles")}</button>
          <input ref={input} id="files" type="file" accept="application/pdf,.pdf" multiple class="visually-hidden" aria-label={t("chooseFiles")}
            onChange={(e) => { add((e.target as HTMLInputElement).files); (e.target as HTMLInputElement).value = ""; }} />
        </div>
        <ul class="files">
          {files.map((f) => (
            <li key={f.key} data-file={f.file.name}>
              <span class="name">{f.file.name}</span>
              <span class="size">{formatBytes(f.file.size)}</span>
              <progress max={f.file.size || 1} value={f.sent} aria-label={t("uploadProgress", { name: f.file.name })} />
              {!f.documentId && !busy && (
                <button type="button" class="link" onClick={() => setFiles(files.filter((x) => x.key !== f.key))}>{t("remove")}</button>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="recipients-title">
        <h2 id="recipients-title">{t("recipients")}</h2>
        <p class="hint">{t("routingHint")}</p>
        {recipients.map((r, i) => (
          <fieldset key={r.key} class="recipient" data-recipient={i + 1}>
            <legend>{t("recipients")} {i + 1}</legend>
            <div class="row">
              <div><label for={`r${r.key}-name`}>{t("name")}</label>
                <input id={`r${r.key}-name`} required maxLength={100} value={r.name} onInput={(e) => update(r.key, { name: (e.target as HTMLInputElement).value })} /></div>
              <div><label for={`r${r.key}-email`}>{t("email")}</label>
                <input id={`r${r.key}-email`} type="email" required maxLength={254} value={r.email} onInput={(e) => update(r.key, { email: (e.target as HTMLInputElement).value })} /></div>
            </div>
            <div class="row">
              <div><label for={`r${r.key}-role`}>{t("role")}</label>
                <select id={`r${r.key}-role`} value={r.role} onChange={(e) => update(r.key, { role: Number((e.target as HTMLSelectElement).value) })}>
                  <option value={RecipientRole.SIGNER}>{t("roleSigner")}</option>
                  <option value={RecipientRole.CARBON_COPY}>{t("roleCopy")}</option>
                </select></div>
              <div><label for={`r${r.key}-step`}>{t("stepNo")}</label>
                <input id={`r${r.key}-step`} type="number" min={1} max={20} required value={r.step} onInput={(e) => update(r.key, { step: Number((e.target as HTMLInputElement).value) || 1 })} /></div>
              <div><label for={`r${r.key}-code`}>{t("accessCode")}</label>
                <input id={`r${r.key}-code`} minLength={4} maxLength={64} autocomplete="off" value={r.accessCode} onInput={(e) => update(r.key, { accessCode: (e.target as HTMLInputElement).value })} /></div>
              <div><label for={`r${r.key}-label`}>{t("recipientLabel")}</label>
                <input id={`r${r.key}-label`} maxLength={50} autocomplete="off" value={r.label} onInput={(e) => update(r.key, { label: (e.target as HTMLInputElement).value })} /></div>
            </div>
            {recipients.length > 1 && <button type="button" class="link" onClick={() => setRecipients(recipients.filter((x) => x.key !== r.key))}>{t("remove")}</button>}
          </fieldset>
        ))}
        <button type="button" class="secondary" id="add-recipient" onClick={() => setRecipients([...recipients, newRecipient(Math.max(...recipients.map((r) => r.step)) + 1)])}>
          {t("addRecipient")}
        </button>
        {steps.filter((s) => recipients.filter((r) => r.step === s && r.role === RecipientRole.SIGNER).length > 1).map((s) => (
          <label class="check" key={s}>
            <input type="checkbox" checked={anyOneSteps.includes(s)} onChange={(e) => setAnyOneSteps((e.target as HTMLInputElement).checked ? [...anyOneSteps, s] : anyOneSteps.filter((x) => x !== s))} />
            <span>{t("anyOne", { n: s })}</span>
          </label>
        ))}
      </section>

      {users.length > 0 && (
        <section class="card" aria-labelledby="approvers-title">
          <h2 id="approvers-title">{t("approvers")}</h2>
          <p class="hint">{t("approversHint")}</p>
          {users.map((u) => (
            <label class="check" key={u.userId}>
              <input type="checkbox" data-approver={u.loginId} checked={approvers.includes(u.userId)}
                onChange={(e) => setApprovers((e.target as HTMLInputElement).checked ? [...approvers, u.userId] : approvers.filter((x) => x !== u.userId))} />
              <span>{u.displayName}（{u.loginId}）</span>
            </label>
          ))}
        </section>
      )}

      <section class="card" aria-labelledby="options-title">
        <h2 id="options-title">{t("options")}</h2>
        <div class="row">
          <div><label for="expiry">{t("expiryDays")}</label>
            <input id="expiry" type="number" min={1} max={limits?.maxExpiryDays ?? 30} value={expiryDays} onInput={(e) => setExpiryDays(Number((e.target as HTMLInputElement).value))} /></div>
          <div><label for="reminders">{t("reminders")}</label>
            <select id="reminders" value={reminders} onChange={(e) => setReminders((e.target as HTMLSelectElement).value as "default" | "every" | "off")}>
              <option value="default">{t("remindersDefault")}</option>
              <option value="every">{t("remindersEvery", { n: everyDays })}</option>
              <option value="off">{t("remindersOff")}</option>
            </select></div>
          {reminders === "every" && <div><label for="every">{t("remindersEvery", { n: "N" })}</label>
            <input id="every" type="number" min={1} max={30} value={everyDays} onInput={(e) => setEveryDays(Number((e.target as HTMLInputElement).value) || 1)} /></div>}
        </div>
        <label class="check"><input type="checkbox" checked={allowReassign} onChange={(e) => setAllowReassign((e.target as HTMLInputElement).checked)} id="allow-reassign" /><span>{t("allowReassign")}</span></label>
      </section>

      <section class="card" aria-labelledby="retention-title">
        <h2 id="retention-title">{t("retention")}</h2>
        <div class="row">
          <div><label for="document-type">{t("documentType")}</label>
            <select id="document-type" value={documentType} onChange={(e) => setDocumentType((e.target as HTMLSelectElement).value)}>
              {(types.length ? types : [{ documentType: "contract", nameJa: "契約書", nameEn: "Contract" } as RetentionDefault]).map((d) => (
                <option key={d.documentType} value={d.documentType}>{currentLanguage() === "ja" ? d.nameJa : d.nameEn}</option>
              ))}
            </select></div>
          <div><label for="transaction-date">{t("transactionDate")}</label>
            <input id="transaction-date" type="date" value={transactionDate} onInput={(e) => setTransactionDate((e.target as HTMLInputElement).value)} /></div>
          <div><label for="amount">{t("amount")}</label>
            <input id="amount" inputMode="numeric" pattern="[0-9,]*" maxLength={20} value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} /></div>
        </div>
        <div class="row">
          <div><label for="counterparty">{t("counterparty")}</label>
            <input id="counterparty" maxLength={200} value={counterparty} onInput={(e) => setCounterparty((e.target as HTMLInputElement).value)} /></div>
          <div><label for="tags">{t("tags")}</label>
            <input id="tags" maxLength={1000} value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} /></div>
        </div>
      </section>

      {error && <Notice kind="error" id="new-error">{error}</Notice>}
      {progress && <p role="status" id="progress">{progress}</p>}
      <div class="buttons">
        <Busy busy={busy} type="submit" id="send">{t("send")}</Busy>
        <Busy busy={busy} kind="secondary" onClick={() => submit(false)} id="save-draft">{t("saveDraft")}</Busy>
      </div>
    </form>
  );
}
