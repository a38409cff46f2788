// One envelope: its state, each recipient's progress (requested, viewed, signed), resend, signing links, void with a
// reason, the documents (current revision: signed when completed), the input fields (placed on a draft), and the
// audit trail with its verification.
import { useEffect, useState } from "preact/hooks";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  EnvelopeStatus, RecipientRole, RecipientStatus, SigningService,
  type AuditEntry, type Envelope, type VerifyAuditTrailResponse,
} from "../gen/gmosign/signing/v1/signing_pb";
import { client, failure, requestId, withRetry } from "../lib/rpc";
import { formatBytes, formatDateTime } from "../lib/i18n";
import { Busy, Notice } from "../lib/ui";
import { collect, save } from "../lib/download";
import { guarded, navigate, t } from "./shared";
import { statusText } from "./EnvelopeList";
import { FieldsSection } from "./FieldsSection";

const signing = client(SigningService);
const at = (ts: Timestamp | undefined) => (ts ? formatDateTime(timestampDate(ts)) : "");
// Known actions in words; an action this page does not know yet shows as recorded.
const actionText = (action: string) => (t(`action.${action}`) === `action.${action}` ? action : t(`action.${action}`));

export function EnvelopeDetail(props: { envelopeId: string; userId: string }) {
  const [envelope, setEnvelope] = useState<Envelope | null>(null);
  const [trail, setTrail] = useState<AuditEntry[]>([]);
  const [verified, setVerified] = useState<VerifyAuditTrailResponse | null>(null);
  const [error, setError] = useState("");
  const [info, setInfo] = useState("");
  const [link, setLink] = useState<{ url: string; expires: string } | null>(null);
  const [voiding, setVoiding] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [voidId] = useState(requestId);
  const [comment, setComment] = useState("");
  const [approvalId] = useState(requestId);
  const [sendId] = useState(requestId);

  const load = async () => {
    try {
      const [got, audit, check] = await Promise.all([
        guarded(() => withRetry(() => signing.getEnvelope({ envelopeId: props.envelopeId }))),
        guarded(() => withRetry(() => signing.getAuditTrail({ envelopeId: props.envelopeId }))),
        guarded(() => withRetry(() => signing.verifyAuditTrail({ envelopeId: props.envelopeId }))),
      ]);
      setEnvelope(got.envelope ?? null);
      setTrail(audit.entries);
      setVerified(check);
    } catch (e) {
      setError(failure(e).message);
    }
  };
  useEffect(() => {
    void load();
  }, [props.envelopeId]);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError("");
    setInfo("");
    try {
      await action();
      await load();
    } catch (e) {
      setError(t("failed", { message: failure(e).message }));
    } finally {
      setBusy(false);
    }
  };

  if (!envelope) {
    return error ? <Notice kind="error">{error}</Notice> : <p class="loading">{t("loading")}</p>;
  }
  const open = envelope.status === EnvelopeStatus.SENT;
  return (
    <div class="detail" data-envelope-status={EnvelopeStatus[envelope.status]}>
      <p><a href="/app/" onClick={(e) => { e.preventDefault(); navigate("/app/"); }}>{t("back")}</a></p>
      <section class="card" aria-labelledby="detail-title">
        <h1 id="detail-title">{envelope.title}</h1>
        <p><span class={`badge e-${EnvelopeStatus[envelope.status].toLowerCase()}`} id="envelope-status">{statusText(envelope.status)}</span></p>
        <dl class="facts">
          {envelope.sentAt && (<><dt>{t("sentAt")}</dt><dd>{at(envelope.sentAt)}</dd></>)}
          {envelope.expiresAt && (<><dt>{t("colExpires")}</dt><dd>{at(envelope.expiresAt)}</dd></>)}
          {envelope.completedAt && (<><dt>{t("completedAt")}</dt><dd id="completed-at">{at(envelope.completedAt)}</dd></>)}
          {envelope.statusReason && (<><dt>{t("reason")}</dt><dd id="status-reason">{envelope.statusReason}</dd></>)}
        </dl>
        {open && (
          <div class="buttons">
            <Busy busy={busy} kind="secondary" id="resend-all" onClick={() => act(async () => {
              const r = await guarded(() => withRetry(() => signing.resendNotification({ envelopeId: envelope.envelopeId, requestId: requestId() })));
              setInfo(t("resent", { n: r.queued }));
            })}>{t("resend")}</Busy>
            <button type="button" class="danger" onClick={() => setVoiding(true)} id="show-void">{t("voidEnvelope")}</button>
          </div>
        )}
        {envelope.status === EnvelopeStatus.DRAFT && (
          <div class="buttons">
            <Busy busy={busy} id="send-draft" disabled={envelope.documents.length === 0} onClick={() => act(async () => {
              await guarded(() => withRetry(() => signing.sendEnvelope({ envelopeId: envelope.envelopeId, requestId: sendId })));
            })}>{t("send")}</Busy>
            {envelope.documents.length > 0 && (
              <a class="button secondary" href={`/app/templates/new/${envelope.envelopeId}`} id="save-as-template"
                onClick={(e) => { e.preventDefault(); navigate(`/app/templates/new/${envelope.envelopeId}`); }}>{t("saveAsTemplate")}</a>
            )}
          </div>
        )}
        {envelope.status === EnvelopeStatus.APPROVAL && (
          <div class="approval" id="approval">
            <p>{t("approvalPending", { n: envelope.approverUserIds.filter((id) => !envelope.approvedBy.includes(id)).length })}</p>
            {envelope.approverUserIds.includes(props.userId) && !envelope.approvedBy.includes(props.userId) && (
              <form onSubmit={(e) => e.preventDefault()}>
                <label for="approval-comment">{t("approvalComment")}</label>
                <textarea id="approval-comment" maxLength={500} rows={2} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
                <div class="buttons">
                  <Busy busy={busy} id="approve" onClick={() => act(async () => {
                    await guarded(() => withRetry(() => signing.approveEnvelope({ envelopeId: envelope.envelopeId, approve: true, requestId: approvalId })));
                  })}>{t("approve")}</Busy>
                  <Busy busy={busy} kind="secondary" id="send-back" disabled={!comment.trim()} onClick={() => act(async () => {
                    await guarded(() => withRetry(() => signing.approveEnvelope({ envelopeId: envelope.envelopeId, approve: false, comment: comment.trim(), requestId: approvalId })));
                  })}>{t("sendBack")}</Busy>
                </div>
              </form>
            )}
          </div>
        )}
        {voiding && open && (
          <form onSubmit={(e) => { e.preventDefault(); void act(async () => {
            await guarded(() => withRetry(() => signing.voidEnvelope({ envelopeId: envelope.envelopeId, reason: reason.trim(), requestId: voidId })));
            setVoiding(false);
          }); }}>
            <label for="void-reason">{t("voidReason")}</label>
            <textarea id="void-reason" required maxLength={500} rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
            <Busy busy={busy} kind="danger" type="submit" id="void">{t("voidConfirm")}</Busy>
          </form>
        )}
        {info && <Notice kind="success" id="info">{info}</Notice>}
        {error && <Notice kind="error" id="detail-error">{error}</Notice>}
        {link && (
          <Notice kind="info" id="signing-link">
            <p>{t("linkCreated", { at: link.expires })}</p>
            <input readOnly value={link.url} aria-label={t("createLink")} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          </Notice>
        )}
      </section>

      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("timeline")}</h2>
        <div class="table-wrap">
          <table id="recipients">
            <thead><tr><th scope="col">{t("stepNo")}</th><th scope="col">{t("name")}</th><th scope="col">{t("colStatus")}</th><th scope="col">{t("colAt")}</th><th scope="col"><span class="visually-hidden">{t("resend")}</span></th></tr></thead>
            <tbody>
              {envelope.recipients.map((r) => (
                <tr key={r.recipientId} data-recipient={r.name} data-status={RecipientStatus[r.status]}>
                  <td>{r.step}</td>
                  <td>{r.label && <strong class="recipient-label">{r.label}: </strong>}{r.name}<br /><span class="hint">{r.email}</span>{r.role === RecipientRole.CARBON_COPY && <span class="hint"> ({t("roleCopy")})</span>}</td>
                  <td><span class={`badge s-${RecipientStatus[r.status].toLowerCase()}`}>{t(`recipient.${RecipientStatus[r.status]}`)}</span>
                    {r.declineReason && <div class="hint">{r.declineReason}</div>}</td>
                  <td class="times">
                    {r.notifiedAt && <div>{t("notified")}: {at(r.notifiedAt)}</div>}
                    {r.viewedAt && <div>{t("viewed")}: {at(r.viewedAt)}</div>}
                    {r.signedAt && <div>{t("signed")}: {at(r.signedAt)}</div>}
                  </td>
                  <td>
                    {open && r.role === RecipientRole.SIGNER && r.status !== RecipientStatus.SIGNED && r.status !== RecipientStatus.REASSIGNED && (
                      <button type="button" class="link" data-link-for={r.name} onClick={() => act(async () => {
                        const created = await guarded(() => withRetry(() => signing.createSigningLink({ envelopeId: envelope.envelopeId, recipientId: r.recipientId })));
                        setLink({ url: `${location.origin}/s/${created.token}`, expires: at(created.expiresAt) });
                      })}>{t("createLink")}</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="docs-title">
        <h2 id="docs-title">{t("documents")}</h2>
        <ul class="documents">
          {envelope.documents.map((d) => (
            <li key={d.documentId}>
              <span class="name">{d.fileName}</span>
              <span class="size">{formatBytes(Number(d.sizeBytes))}</span>
              <button type="button" class="secondary small" data-download={d.fileName} onClick={() => act(async () => {
                save(await guarded(() => withRetry(() => collect(signing.downloadDocument({ envelopeId: envelope.envelopeId, documentId: d.documentId })))));
              })} aria-label={`${t("download")}: ${d.fileName}`}>{t("download")}</button>
            </li>
          ))}
        </ul>
        {envelope.status === EnvelopeStatus.COMPLETED && (
          <button type="button" class="primary" id="download-certificate" onClick={() => act(async () => {
            save(await guarded(() => withRetry(() => collect(signing.downloadCertificate({ envelopeId: envelope.envelopeId }), "certificate_of_completion.pdf"))));
          })}>{t("certificate")}</button>
        )}
      </section>

      <FieldsSection envelope={envelope} onChanged={(changed) => { setEnvelope(changed); void load(); }} />

      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title">{t("auditTrail")}</h2>
        {verified && (verified.intact
          ? <Notice kind="success" id="audit-verified">{t("verifyIntact", { n: trail.length })}</Notice>
          : <Notice kind="error" id="audit-verified">{t("verifyBroken", { n: String(verified.firstBrokenSequence) })}</Notice>)}
        <div class="table-wrap">
          <table id="audit">
            <thead><tr><th scope="col">#</th><th scope="col">{t("colAt")}</th><th scope="col">{t("colAction")}</th><th scope="col">{t("colActor")}</th><th scope="col">{t("colIp")}</th></tr></thead>
            <tbody>
              {trail.map((e) => (
                <tr key={String(e.sequence)} data-action={e.action}>
                  <td>{String(e.sequence)}</td><td>{at(e.at)}</td><td>{actionText(e.action)}</td><td>{e.actor}</td><td>{e.ipAddress}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
