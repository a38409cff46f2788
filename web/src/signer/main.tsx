// The signer page, /s/{token}: the page a signing request mail links to. The token in the address is moved into
// sessionStorage at once and the address becomes /s/, so it does not stay in the history, a screenshot or a
// shared screen; the access code is kept in memory only.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  EnvelopeStatus, FieldType, RecipientRole, RecipientStatus, SigningService,
  type Document, type Envelope, type Field, type OpenEnvelopeResponse, type Recipient,
} from "../gen/gmosign/signing/v1/signing_pb";
import { Code, client, failure, requestId, setBearer, withRetry, type Failure } from "../lib/rpc";
import { formatBytes, formatDateTime, translate } from "../lib/i18n";
import { Busy, Header, Notice, useLanguage } from "../lib/ui";
import { collect, save, type DownloadedFile } from "../lib/download";
import { PdfViewer, type PdfOverlay } from "../lib/PdfViewer";
import { caption, typeName } from "../lib/fields";
import { FieldsForm, fillable, initialValues, inputId, problems, refusedField } from "./FieldsForm";
import { texts } from "./texts";

const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);
const signing = client(SigningService);
const storageKey = "gmosign.signing-link";

function takeToken(): string | null {
  const match = /^\/s\/([A-Za-z0-9_\-.~]+)$/.exec(location.pathname);
  if (match) {
    sessionStorage.setItem(storageKey, match[1]);
    history.replaceState(null, "", "/s/");
    return match[1];
  }
  return sessionStorage.getItem(storageKey);
}

const at = (ts: Timestamp | undefined) => (ts ? formatDateTime(timestampDate(ts)) : "");

type Problem = "invalid" | "locked" | "rate" | "maintenance" | "unavailable" | "reassigned" | "notOpen";

type View =
  | { kind: "loading" }
  | { kind: "code"; wrong?: number; attemptsLeft?: number }
  | { kind: "problem"; problem: Problem; detail?: string; retryAfter?: number }
  | { kind: "envelope"; opened: OpenEnvelopeResponse; justSigned?: boolean };

function problemOf(f: Failure): View | null {
  switch (f.reason) {
    case "ACCESS_CODE_REQUIRED":
      return { kind: "code", attemptsLeft: Number(f.metadata["attempts_left"]) || undefined };
    case "ACCESS_CODE_MISMATCH":
      // The fifth wrong code locks the link: say so now rather than offer a sixth try.
      return f.metadata["attempts_left"] === "0" ? { kind: "problem", problem: "locked" } : { kind: "code", wrong: Number(f.metadata["attempts_left"]) };
    case "ACCESS_CODE_LOCKED":
      return { kind: "problem", problem: "locked" };
    case "RATE_LIMITED":
      return { kind: "problem", problem: "rate", retryAfter: Number(f.metadata["retry_after"]) || 30 };
    case "MAINTENANCE":
      return { kind: "problem", problem: "maintenance", detail: f.message };
    case "RECIPIENT_REASSIGNED":
      return { kind: "problem", problem: "reassigned", detail: f.message };
    case "ENVELOPE_STATUS":
      return { kind: "problem", problem: "notOpen", detail: f.message };
  }
  if (f.code === Code.Unauthenticated || f.code === Code.NotFound) {
    return { kind: "problem", problem: "invalid" };
  }
  if (f.retryable) {
    return { kind: "problem", problem: "unavailable" };
  }
  return null;
}

function App() {
  useLanguage();
  const token = useMemo(takeToken, []);
  const [view, setView] = useState<View>({ kind: "loading" });
  const [accessCode, setAccessCode] = useState("");

  const open = async (code: string) => {
    if (!token) {
      setView({ kind: "problem", problem: "invalid" });
      return;
    }
    setBearer(token);
    try {
      const opened = await withRetry(() => signing.openEnvelope({ accessCode: code }));
      setAccessCode(code);
      setView({ kind: "envelope", opened });
      performance.mark("gmosign:envelope-shown");
    } catch (error) {
      const f = failure(error);
      setView(problemOf(f) ?? { kind: "problem", problem: "unavailable", detail: f.message });
    }
  };

  useEffect(() => {
    document.title = `${t("pageTitle")} | GmoSign`;
    void open("");
  }, []);

  return (
    <>
      <Header subtitle={t("pageTitle")} />
      <main id="main">
        {view.kind === "loading" && <p class="loading" role="status">{t("loading")}</p>}
        {view.kind === "code" && <AccessCodeForm view={view} onSubmit={open} />}
        {view.kind === "problem" && <ProblemPage view={view} onRetry={() => { setView({ kind: "loading" }); void open(accessCode); }} />}
        {view.kind === "envelope" && (
          <EnvelopePage opened={view.opened} justSigned={view.justSigned ?? false} accessCode={accessCode}
            onChanged={(opened, justSigned) => setView({ kind: "envelope", opened, justSigned })}
            onProblem={(v) => setView(v)} reopen={() => open(accessCode)} />
        )}
      </main>
    </>
  );
}

function AccessCodeForm(props: { view: Extract<View, { kind: "code" }>; onSubmit: (code: string) => Promise<void> }) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!code.trim()) {
      return;
    }
    setBusy(true);
    await props.onSubmit(code.trim());
    setBusy(false);
    setCode("");
  };
  return (
    <form class="card narrow" onSubmit={submit} aria-labelledby="code-title">
      <h1 id="code-title">{t("codeTitle")}</h1>
      <p>{t("codeIntro")}</p>
      {props.view.wrong !== undefined && <Notice kind="error" id="code-error">{t("codeWrong", { n: props.view.wrong })}</Notice>}
      {props.view.wrong === undefined && props.view.attemptsLeft !== undefined && props.view.attemptsLeft < 5 && (
        <p class="hint">{t("codeAttempts", { n: props.view.attemptsLeft })}</p>
      )}
      <label for="access-code">{t("codeLabel")}</label>
      <input id="access-code" name="access-code" type="password" autocomplete="one-time-code" required maxLength={64} value={code}
        onInput={(e) => setCode((e.target as HTMLInputElement).value)} aria-describedby={props.view.wrong !== undefined ? "code-error" : undefined} />
      <Busy busy={busy} type="submit" id="open-with-code">{t("codeSubmit")}</Busy>
    </form>
  );
}

function ProblemPage(props: { view: Extract<View, { kind: "problem" }>; onRetry: () => void }) {
  const { problem, detail, retryAfter } = props.view;
  const title = {
    invalid: t("invalidTitle"), locked: t("lockedTitle"), rate: t("rateTitle"), maintenance: t("maintenanceTitle"),
    unavailable: t("unavailableTitle"), reassigned: t("reassignedTitle"), notOpen: t("notOpenTitle"),
  }[problem];
  const body = {
    invalid: t("invalidBody"), locked: t("lockedBody"), rate: t("rateBody", { n: retryAfter ?? 30 }), maintenance: detail ?? "",
    unavailable: t("unavailableBody"), reassigned: detail ?? "", notOpen: detail ?? "",
  }[problem];
  return (
    <section class="card narrow" data-problem={problem} aria-labelledby="problem-title">
      <h1 id="problem-title">{title}</h1>
      <p>{body}</p>
      {(problem === "rate" || problem === "unavailable" || problem === "maintenance") && (
        <button type="button" class="secondary" onClick={props.onRetry}>{t("retry")}</button>
      )}
    </section>
  );
}

function statusLabel(r: Recipient): string {
  switch (r.status) {
    case RecipientStatus.PENDING: return t("status.pending");
    case RecipientStatus.NOTIFIED: return t("status.notified");
    case RecipientStatus.VIEWED: return t("status.viewed");
    case RecipientStatus.SIGNED: return t("status.signed");
    case RecipientStatus.DECLINED: return t("status.declined");
    case RecipientStatus.REASSIGNED: return t("status.reassigned");
    default: return "";
  }
}

interface EnvelopeProps {
  opened: OpenEnvelopeResponse;
  justSigned: boolean;
  accessCode: string;
  onChanged: (opened: OpenEnvelopeResponse, justSigned: boolean) => void;
  onProblem: (view: View) => void;
  reopen: () => Promise<void>;
}

function EnvelopePage(props: EnvelopeProps) {
  const envelope = props.opened.envelope!;
  const me = envelope.recipients.find((r) => r.recipientId === props.opened.recipientId);
  const [files, setFiles] = useState<Record<string, DownloadedFile>>({});
  const [shown, setShown] = useState(envelope.documents[0]?.documentId ?? "");
  const [error, setError] = useState("");
  const [activeField, setActiveField] = useState("");

  const fetchDocument = async (d: Document): Promise<DownloadedFile> => {
    // A new revision (after a signature) has another hash: fetch it again.
    const key = `${d.documentId}:${d.signatures}`;
    if (files[key]) {
      return files[key];
    }
    const file = await withRetry(() => collect(signing.downloadDocument({ documentId: d.documentId, accessCode: props.accessCode })));
    setFiles((all) => ({ ...all, [key]: file }));
    return file;
  };

  const shownDocument = envelope.documents.find((d) => d.documentId === shown) ?? envelope.documents[0];
  const shownFile = shownDocument ? files[`${shownDocument.documentId}:${shownDocument.signatures}`] : undefined;
  useEffect(() => {
    if (shownDocument && !shownFile) {
      fetchDocument(shownDocument).catch((e) => setError(failure(e).message));
    }
  }, [shownDocument?.documentId, shownDocument?.signatures]);

  const download = async (d: Document) => {
    try {
      save(await fetchDocument(d));
    } catch (e) {
      setError(t("actionFailed", { message: failure(e).message }));
    }
  };

  // While the signer may sign, their fields are marked on the pages; the one being filled in stands out.
  const filling = !!me && props.opened.canSign && !props.justSigned && envelope.status === EnvelopeStatus.SENT
    && me.role !== RecipientRole.CARBON_COPY && me.status !== RecipientStatus.SIGNED;
  const myFields = me ? envelope.fields.filter((f) => f.recipientId === me.recipientId) : [];
  const overlays: PdfOverlay[] = filling
    ? myFields.filter((f) => f.documentId === shownDocument?.documentId && f.rect).map((f) => ({
      key: f.name, page: f.page, rect: f.rect!, look: f.name === activeField ? "active" : "field",
      label: f.type === FieldType.SIGNATURE ? typeName(f.type) : caption(f),
    }))
    : [];
  const focusField = (f: Field) => {
    setActiveField(f.name);
    setShown(f.documentId);
  };

  const steps = [...new Set(envelope.recipients.map((r) => r.step))].sort((a, b) => a - b);
  const labels = {
    page: (n: number, total: number) => t("page", { n, total }), pages: (n: number) => t("pages", { n }),
    zoomIn: t("zoomIn"), zoomOut: t("zoomOut"), loading: t("pdfLoading"), failed: t("pdfFailed"),
  };

  return (
    <div class="envelope" data-envelope-status={EnvelopeStatus[envelope.status]} data-recipient-status={me ? RecipientStatus[me.status] : ""}>
      <section class="card summary" aria-labelledby="envelope-title">
        <h1 id="envelope-title">{envelope.title}</h1>
        <dl class="facts">
          <dt>{t("from")}</dt>
          <dd id="sender">{[props.opened.senderOrganization, envelope.senderName].filter(Boolean).join(" ")}</dd>
          {envelope.expiresAt && (<><dt>{t("deadline")}</dt><dd id="deadline">{at(envelope.expiresAt)}</dd></>)}
        </dl>
        {envelope.message && (<><h2 class="small">{t("message")}</h2><p class="message" id="envelope-message">{envelope.message}</p></>)}
      </section>

      <StatePanel {...props} me={me} download={download} fields={myFields} onFocusField={focusField} />
      {error && <Notice kind="error">{error}</Notice>}

      <div class="columns">
        <section class="card routing" aria-labelledby="routing-title">
          <h2 id="routing-title">{t("routing")}</h2>
          <ol class="steps">
            {steps.map((step) => (
              <li key={step}>
                <span class="step-number">{t("step", { n: step })}</span>
                <ul>
                  {envelope.recipients.filter((r) => r.step === step).map((r) => (
                    <li key={r.recipientId} class={r.recipientId === me?.recipientId ? "me" : ""}>
                      <span class="name">{r.name}{r.recipientId === me?.recipientId && <strong class="you">{t("you")}</strong>}</span>
                      <span class={`badge s-${RecipientStatus[r.status]?.toLowerCase()}`}>
                        {r.role === RecipientRole.CARBON_COPY ? t("role.cc") : statusLabel(r)}
                      </span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
          <h2>{t("documents")}</h2>
          <ul class="documents">
            {envelope.documents.map((d) => (
              <li key={d.documentId} class={d.documentId === shownDocument?.documentId ? "selected" : ""}>
                <button type="button" class="link" onClick={() => setShown(d.documentId)} aria-current={d.documentId === shownDocument?.documentId}>
                  {d.fileName}
                </button>
                <span class="size">{formatBytes(Number(d.sizeBytes))}</span>
                <button type="button" class="secondary small" onClick={() => download(d)} data-download={d.fileName}
                  aria-label={`${t("download")}: ${d.fileName}`}>{t("download")}</button>
              </li>
            ))}
          </ul>
        </section>
        <section class="viewer" aria-label={shownDocument?.fileName}>
          {shownFile ? <PdfViewer bytes={shownFile.bytes} name={shownFile.fileName} labels={labels} overlays={overlays} />
            : <p class="loading">{t("pdfLoading")}</p>}
        </section>
      </div>
    </div>
  );
}

interface FieldProps {
  /** The acting signer's fields. */
  fields: Field[];
  onFocusField: (f: Field) => void;
}

function StatePanel(props: EnvelopeProps & FieldProps & { me: Recipient | undefined; download: (d: Document) => Promise<void> }) {
  const envelope: Envelope = props.opened.envelope!;
  const me = props.me;
  const downloads = (
    <div class="download-all">
      {envelope.documents.map((d) => (
        <button key={d.documentId} type="button" class="primary" onClick={() => props.download(d)} data-download-signed={d.fileName}>
          {t("downloadSigned")}{envelope.documents.length > 1 ? `: ${d.fileName}` : ""}
        </button>
      ))}
    </div>
  );
  if (props.justSigned) {
    return (
      <Notice kind="success" title={t("signedTitle")} id="signed">
        <p>{t("signedBody")}</p>
        {envelope.status === EnvelopeStatus.COMPLETED ? <p>{t("completedBody", { at: at(envelope.completedAt) })}</p> : <p>{t("waitingOthers")}</p>}
        {downloads}
      </Notice>
    );
  }
  switch (envelope.status) {
    case EnvelopeStatus.COMPLETED:
      return <Notice kind="success" title={t("completedTitle")} id="completed"><p>{t("completedBody", { at: at(envelope.completedAt) })}</p>{downloads}</Notice>;
    case EnvelopeStatus.VOIDED:
      return <Notice kind="warning" title={t("voidedTitle")} id="voided"><p>{t("voidedBody", { reason: envelope.statusReason })}</p></Notice>;
    case EnvelopeStatus.EXPIRED:
      return <Notice kind="warning" title={t("expiredTitle")} id="expired"><p>{t("expiredBody", { at: at(envelope.expiresAt) })}</p></Notice>;
    case EnvelopeStatus.DECLINED: {
      const decliner = envelope.recipients.find((r) => r.status === RecipientStatus.DECLINED);
      if (decliner && decliner.recipientId === me?.recipientId) {
        return <Notice kind="warning" title={t("youDeclinedTitle")} id="declined"><p>{decliner.declineReason}</p></Notice>;
      }
      return (
        <Notice kind="warning" title={t("declinedTitle")} id="declined">
          <p>{t("declinedBody", { name: decliner?.name ?? "", reason: decliner?.declineReason || envelope.statusReason })}</p>
        </Notice>
      );
    }
  }
  if (!me) {
    return null;
  }
  if (me.role === RecipientRole.CARBON_COPY) {
    return <Notice title={t("copyTitle")} id="copy"><p>{t("copyBody")}</p></Notice>;
  }
  if (me.status === RecipientStatus.SIGNED) {
    return (
      <Notice kind="success" title={t("alreadySignedTitle")} id="already-signed">
        <p>{t("alreadySignedBody", { at: at(me.signedAt) })}</p><p>{t("waitingOthers")}</p>{downloads}
      </Notice>
    );
  }
  if (!props.opened.canSign) {
    return me.status === RecipientStatus.PENDING
      ? <Notice title={t("notYetTitle")} id="not-yet"><p>{t("notYetBody")}</p></Notice>
      : <Notice title={t("stepDoneTitle")} id="step-done"><p>{t("stepDoneBody")}</p></Notice>;
  }
  return <SignPanel {...props} envelope={envelope} me={me} />;
}

function SignPanel(props: EnvelopeProps & FieldProps & { envelope: Envelope; me: Recipient }) {
  const [consent, setConsent] = useState(false);
  const [mode, setMode] = useState<"sign" | "decline" | "reassign">("sign");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  // One request id per intended action, kept across retries and repeated clicks until the action succeeds.
  const [ids] = useState(() => ({ sign: requestId(), decline: requestId(), reassign: requestId() }));
  const [reason, setReason] = useState("");
  const [newName, setNewName] = useState("");
  const [newEmail, setNewEmail] = useState("");
  const [values, setValues] = useState(() => initialValues(props.fields, props.me.name));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const changeField = (name: string, value: string) => {
    setValues((all) => ({ ...all, [name]: value }));
    // A corrected value loses its message at once; a new problem is reported when signing.
    setFieldErrors((all) => {
      const { [name]: _, ...rest } = all;
      return rest;
    });
  };

  const act = async (action: () => Promise<void>) => {
    if (busy) {
      return;
    }
    setBusy(true);
    setError("");
    try {
      await action();
    } catch (e) {
      const f = failure(e);
      const view = problemOf(f);
      if (f.reason === "NOT_RECIPIENTS_TURN" || f.reason === "STEP_COMPLETED" || f.reason === "RECIPIENT_ALREADY_SIGNED"
        || f.reason === "ENVELOPE_STATUS") {
        await props.reopen();
      } else if (view && view.kind === "problem" && f.code !== Code.InvalidArgument) {
        props.onProblem(view);
      } else {
        setError(t("actionFailed", { message: f.message }));
        // The server names the field it refused (field_values[name]): the message goes there too.
        const refused = f.code === Code.InvalidArgument ? refusedField(f.field, props.fields) : null;
        if (refused) {
          setFieldErrors({ [refused]: f.message });
        }
      }
    } finally {
      setBusy(false);
    }
  };

  const sign = () => {
    const found = problems(props.fields, values);
    setFieldErrors(found);
    const first = fillable(props.fields).find((f) => found[f.name]);
    if (first) {
      setError(t("fieldsInvalid"));
      document.getElementById(inputId(first.name))?.focus();
      return Promise.resolve();
    }
    return signWithValues();
  };
  const signWithValues = () => act(async () => {
    // Read-only fields keep the sender's value on the server; they are not sent.
    const fieldValues = fillable(props.fields).filter((f) => !f.readOnly).map((f) => ({ name: f.name, value: values[f.name] ?? "" }));
    const reply = await withRetry(() => signing.signEnvelope({ accessCode: props.accessCode, requestId: ids.sign, fieldValues }));
    props.onChanged({ ...props.opened, envelope: reply.envelope, canSign: false }, true);
  });
  const decline = (e: Event) => {
    e.preventDefault();
    return act(async () => {
      const reply = await withRetry(() => signing.declineEnvelope({ accessCode: props.accessCode, reason: reason.trim(), requestId: ids.decline }));
      props.onChanged({ ...props.opened, envelope: reply.envelope, canSign: false }, false);
    });
  };
  const reassign = (e: Event) => {
    e.preventDefault();
    return act(async () => {
      const reply = await withRetry(() => signing.reassignRecipient({
        accessCode: props.accessCode, newName: newName.trim(), newEmail: newEmail.trim(), reason: reason.trim(), requestId: ids.reassign,
      }));
      const successor = reply.envelope?.recipients.find((r) => r.recipientId === reply.newRecipientId);
      props.onProblem({ kind: "problem", problem: "reassigned", detail: t("reassignedBody", { name: successor?.name ?? newName }) });
    });
  };

  return (
    <section class="card action" aria-labelledby="action-title">
      {mode === "sign" && (
        <>
          <h2 id="action-title">{t("sign")}</h2>
          <FieldsForm fields={props.fields} documents={props.envelope.documents} values={values} errors={fieldErrors}
            onChange={changeField} onFocusField={props.onFocusField} />
          <p class="consent-detail">{t("consentDetail")}</p>
          <label class="check">
            <input type="checkbox" id="consent" checked={consent} onChange={(e) => setConsent((e.target as HTMLInputElement).checked)} />
            <span>{t("consent")}</span>
          </label>
          {error && <Notice kind="error" id="sign-error">{error}</Notice>}
          <div class="buttons">
            <Busy busy={busy} disabled={!consent} onClick={sign} id="sign">{busy ? t("signing") : t("sign")}</Busy>
            <button type="button" class="secondary" onClick={() => setMode("decline")} id="show-decline">{t("decline")}</button>
            {props.envelope.allowReassign && (
              <button type="button" class="secondary" onClick={() => setMode("reassign")} id="show-reassign">{t("reassign")}</button>
            )}
          </div>
        </>
      )}
      {mode === "decline" && (
        <form onSubmit={decline}>
          <h2 id="action-title">{t("decline")}</h2>
          <label for="decline-reason">{t("declineReason")}</label>
          <textarea id="decline-reason" required maxLength={500} rows={3} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          {error && <Notice kind="error">{error}</Notice>}
          <div class="buttons">
            <Busy busy={busy} kind="danger" type="submit" id="decline">{t("declineSubmit")}</Busy>
            <button type="button" class="secondary" onClick={() => setMode("sign")}>{t("cancel")}</button>
          </div>
        </form>
      )}
      {mode === "reassign" && (
        <form onSubmit={reassign}>
          <h2 id="action-title">{t("reassign")}</h2>
          <label for="reassign-name">{t("reassignName")}</label>
          <input id="reassign-name" required maxLength={100} value={newName} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
          <label for="reassign-email">{t("reassignEmail")}</label>
          <input id="reassign-email" type="email" required maxLength={254} value={newEmail} onInput={(e) => setNewEmail((e.target as HTMLInputElement).value)} />
          <label for="reassign-reason">{t("reassignReason")}</label>
          <textarea id="reassign-reason" required maxLength={500} rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          {error && <Notice kind="error">{error}</Notice>}
          <div class="buttons">
            <Busy busy={busy} type="submit" id="reassign">{t("reassignSubmit")}</Busy>
            <button type="button" class="secondary" onClick={() => setMode("sign")}>{t("cancel")}</button>
          </div>
        </form>
      )}
    </section>
  );
}

render(<App />, document.getElementById("root")!);
