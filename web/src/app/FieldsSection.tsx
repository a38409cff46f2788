// The input fields of an envelope on its page: the list (with the signers' values once filled), and on a draft the
// placing of new ones — document, signer, type, page and rectangle, typed in or set by clicking on the rendered page.
// SetFields replaces all of a draft's fields, so every addition or removal sends the whole list; the server checks
// every field against the documents and says which one it refused.
import { useEffect, useState } from "preact/hooks";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  EnvelopeStatus, FieldType, RecipientRole, SigningService,
  type Envelope, type Field, type FieldInputSchema,
} from "../gen/gmosign/signing/v1/signing_pb";
import { client, failure, requestId, withRetry } from "../lib/rpc";
import { formatDateTime } from "../lib/i18n";
import { Busy, Notice } from "../lib/ui";
import { collect, type DownloadedFile } from "../lib/download";
import { PdfViewer, type PageSize, type PdfOverlay } from "../lib/PdfViewer";
import { caption, typeName } from "../lib/fields";
import { guarded, t } from "./shared";

const signing = client(SigningService);

const types = [FieldType.TEXT, FieldType.DATE, FieldType.CHECKBOX, FieldType.INITIALS, FieldType.DROPDOWN, FieldType.SIGNATURE];
const dateFormats = ["yyyy/MM/dd", "yyyy-MM-dd", "yyyy年M月d日"];
/** A new field's size in points by type (the signature stamp is 170 × 54). */
const sizes: Record<number, [number, number]> = {
  [FieldType.TEXT]: [160, 20], [FieldType.DATE]: [100, 20], [FieldType.CHECKBOX]: [14, 14], [FieldType.INITIALS]: [40, 20],
  [FieldType.DROPDOWN]: [120, 20], [FieldType.SIGNATURE]: [170, 54],
};

type FieldInit = MessageInitShape<typeof FieldInputSchema>;

/** A placed field as SetFields takes it back (the list is sent whole). */
const asInput = (f: Field): FieldInit => ({
  name: f.name, documentId: f.documentId, recipientId: f.recipientId, type: f.type, page: f.page, rect: f.rect,
  required: f.required, maxLength: f.maxLength, options: f.options, value: f.value, readOnly: f.readOnly, dateFormat: f.dateFormat,
  mapsTo: f.mapsTo, label: f.label,
});

const round = (n: number) => Math.round(n * 10) / 10;

interface Draft {
  documentId: string;
  recipientId: string;
  type: FieldType;
  name: string;
  named: boolean;
  label: string;
  page: string;
  x: string;
  y: string;
  width: string;
  height: string;
  required: boolean;
  maxLength: string;
  options: string;
  dateFormat: string;
  value: string;
  readOnly: boolean;
}

function freeName(type: FieldType, fields: Field[]): string {
  const stem = FieldType[type].toLowerCase();
  for (let n = 1; ; n++) {
    if (!fields.some((f) => f.name === `${stem}_${n}`)) {
      return `${stem}_${n}`;
    }
  }
}

function fresh(envelope: Envelope, keep?: Draft): Draft {
  const type = keep?.type ?? FieldType.TEXT;
  const [width, height] = sizes[type];
  return {
    documentId: keep?.documentId ?? envelope.documents[0]?.documentId ?? "",
    recipientId: keep?.recipientId ?? envelope.recipients.find((r) => r.role !== RecipientRole.CARBON_COPY)?.recipientId ?? "",
    type, name: freeName(type, envelope.fields), named: false, label: "", page: keep?.page ?? "1", x: "", y: "",
    width: String(width), height: String(height), required: false, maxLength: "", options: "", dateFormat: "", value: "", readOnly: false,
  };
}

export function FieldsSection(props: { envelope: Envelope; onChanged: (envelope: Envelope) => void }) {
  const envelope = props.envelope;
  const isDraft = envelope.status === EnvelopeStatus.DRAFT;
  const [placing, setPlacing] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => fresh(envelope));
  const [files, setFiles] = useState<Record<string, DownloadedFile>>({});
  const [pages, setPages] = useState<Record<string, PageSize[]>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  const file = files[draft.documentId];
  useEffect(() => {
    if (!placing || !draft.documentId || file) {
      return;
    }
    guarded(() => withRetry(() => collect(signing.downloadDocument({ envelopeId: envelope.envelopeId, documentId: draft.documentId }))))
      .then((f) => setFiles((all) => ({ ...all, [draft.documentId]: f })))
      .catch((e) => setError(t("failed", { message: failure(e).message })));
  }, [placing, draft.documentId]);

  const change = (part: Partial<Draft>) => setDraft((d) => ({ ...d, ...part }));
  const changeType = (type: FieldType) => setDraft((d) => {
    const [width, height] = sizes[type];
    return { ...d, type, width: String(width), height: String(height), name: d.named ? d.name : freeName(type, envelope.fields), page: d.page === "0" && type !== FieldType.INITIALS ? "1" : d.page };
  });
  // A click on the page puts the field's top-left corner there (kept inside the page).
  const placeAt = (page: number, x: number, y: number) => {
    const width = Number(draft.width) || sizes[draft.type][0];
    const height = Number(draft.height) || sizes[draft.type][1];
    const size = pages[draft.documentId]?.[page - 1];
    const maxX = size ? size.width - width : Infinity;
    const maxY = size ? size.height - height : Infinity;
    change({
      page: draft.page === "0" ? "0" : String(page),
      x: String(round(Math.max(0, Math.min(x, maxX)))),
      y: String(round(Math.max(0, Math.min(y - height, maxY)))),
    });
  };

  const save = async (fields: FieldInit[], done: string) => {
    setBusy(true);
    setError("");
    setSaved("");
    try {
      const reply = await guarded(() => withRetry(() => signing.setFields({ envelopeId: envelope.envelopeId, fields, requestId: requestId() })));
      props.onChanged(reply.envelope!);
      setSaved(done);
      return true;
    } catch (e) {
      setError(t("failed", { message: failure(e).message }));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: Event) => {
    e.preventDefault();
    const number = (s: string) => Number(s.trim());
    const field: FieldInit = {
      name: draft.name.trim(), documentId: draft.documentId, recipientId: draft.recipientId, type: draft.type,
      page: number(draft.page),
      rect: { x: number(draft.x), y: number(draft.y), width: number(draft.width), height: number(draft.height) },
      required: draft.type !== FieldType.SIGNATURE && draft.required,
      label: draft.label.trim(),
    };
    if (draft.type === FieldType.TEXT && draft.maxLength.trim()) {
      field.maxLength = number(draft.maxLength);
    }
    if (draft.type === FieldType.DROPDOWN) {
      field.options = draft.options.split("\n").map((o) => o.trim()).filter(Boolean);
    }
    if (draft.type === FieldType.DATE && draft.dateFormat) {
      field.dateFormat = draft.dateFormat;
    }
    if (draft.type !== FieldType.SIGNATURE) {
      field.value = draft.type === FieldType.CHECKBOX ? (draft.value === "true" ? "true" : "") : draft.value.trim();
      field.readOnly = draft.readOnly;
    }
    const ok = await save([...envelope.fields.map(asInput), field], t("fieldAdded", { name: field.name! }));
    if (ok) {
      setDraft((d) => ({ ...fresh({ ...envelope, fields: [...envelope.fields, { name: field.name } as Field] }, d) }));
    }
  };

  const remove = (f: Field) => save(envelope.fields.filter((x) => x.name !== f.name).map(asInput), t("fieldRemoved", { name: f.name }));

  const signers = envelope.recipients.filter((r) => r.role !== RecipientRole.CARBON_COPY);
  const who = (id: string) => {
    const r = envelope.recipients.find((x) => x.recipientId === id);
    return r ? (r.label ? `${r.label}: ${r.name}` : r.name) : id;
  };
  const fileName = (id: string) => envelope.documents.find((d) => d.documentId === id)?.fileName ?? id;
  const valueText = (f: Field) => (f.type === FieldType.CHECKBOX ? (f.value === "true" ? "☑" : f.filledAt ? "☐" : "") : f.value);

  const overlays: PdfOverlay[] = envelope.fields.filter((f) => f.documentId === draft.documentId && f.rect).map((f) => ({
    key: f.name, page: f.page, rect: f.rect!, label: `${caption(f)}（${who(f.recipientId)}）`,
  }));
  const [px, py, pw, ph] = [draft.x, draft.y, draft.width, draft.height].map((s) => Number(s));
  if (draft.x !== "" && draft.y !== "" && [px, py, pw, ph].every(Number.isFinite) && pw > 0 && ph > 0) {
    overlays.push({ key: "new-field", page: Number(draft.page) || 0, rect: { x: px, y: py, width: pw, height: ph }, label: draft.name || t("fieldNew"), look: "pending" });
  }
  const viewerLabels = {
    page: (n: number, total: number) => t("pdfPage", { n, total }), pages: (n: number) => t("pdfPages", { n }),
    zoomIn: t("zoomIn"), zoomOut: t("zoomOut"), loading: t("loading"), failed: t("pdfFailed"),
  };
  const pageCount = pages[draft.documentId]?.length;

  if (!isDraft && envelope.fields.length === 0) {
    return null;
  }
  return (
    <section class="card" aria-labelledby="fields-title" id="fields-section">
      <h2 id="fields-title">{t("fieldsTitle")}</h2>
      {envelope.fields.length === 0
        ? <p class="hint" id="no-fields">{t("noFields")}</p>
        : (
          <div class="table-wrap">
            <table id="fields">
              <thead><tr>
                <th scope="col">{t("fieldName")}</th><th scope="col">{t("fieldType")}</th><th scope="col">{t("fieldSigner")}</th>
                <th scope="col">{t("fieldWhere")}</th><th scope="col">{t("fieldValue")}</th>
                {isDraft && <th scope="col"><span class="visually-hidden">{t("remove")}</span></th>}
              </tr></thead>
              <tbody>
                {envelope.fields.map((f) => (
                  <tr key={f.name} data-field={f.name}>
                    <td>{caption(f)}{f.label && <div class="hint">{f.name}</div>}{f.required && <div class="hint">{t("fieldRequired")}</div>}</td>
                    <td>{typeName(f.type)}</td>
                    <td>{who(f.recipientId)}</td>
                    <td class="times">
                      {envelope.documents.length > 1 && <div>{fileName(f.documentId)}</div>}
                      <div>{f.page === 0 ? t("everyPage") : t("pageNo", { n: f.page })}</div>
                      {f.rect && <div class="hint">{`x ${round(f.rect.x)}, y ${round(f.rect.y)}, ${round(f.rect.width)} × ${round(f.rect.height)} pt`}</div>}
                    </td>
                    <td>{valueText(f)}{f.readOnly && <div class="hint">{t("fieldReadOnly")}</div>}
                      {f.filledAt && <div class="hint">{formatDateTime(timestampDate(f.filledAt))}</div>}</td>
                    {isDraft && (
                      <td><button type="button" class="link" data-remove-field={f.name} disabled={busy} onClick={() => void remove(f)}
                        aria-label={`${t("remove")}: ${f.name}`}>{t("remove")}</button></td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {saved && <Notice kind="success" id="fields-saved">{saved}</Notice>}
      {isDraft && !placing && error && <Notice kind="error" id="fields-error">{error}</Notice>}
      {isDraft && !placing && (
        <button type="button" class="secondary" id="place-fields" disabled={signers.length === 0 || envelope.documents.length === 0}
          onClick={() => setPlacing(true)}>{t("placeFields")}</button>
      )}
      {isDraft && placing && (
        <div class="columns field-editor">
          <form onSubmit={add} aria-labelledby="new-field-title" id="field-form">
            <h3 id="new-field-title">{t("fieldNew")}</h3>
            <p class="hint" id="field-click-hint">{t("fieldClickHint")}</p>
            <label for="field-document">{t("fieldDocument")}</label>
            <select id="field-document" value={draft.documentId} onChange={(e) => change({ documentId: (e.target as HTMLSelectElement).value, x: "", y: "" })}>
              {envelope.documents.map((d) => <option key={d.documentId} value={d.documentId}>{d.fileName}</option>)}
            </select>
            <label for="field-recipient">{t("fieldSigner")}</label>
            <select id="field-recipient" value={draft.recipientId} onChange={(e) => change({ recipientId: (e.target as HTMLSelectElement).value })}>
              {signers.map((r) => <option key={r.recipientId} value={r.recipientId}>{who(r.recipientId)}</option>)}
            </select>
            <label for="field-type">{t("fieldType")}</label>
            <select id="field-type" value={draft.type} onChange={(e) => changeType(Number((e.target as HTMLSelectElement).value))}>
              {types.map((type) => <option key={type} value={type}>{typeName(type)}</option>)}
            </select>
            <div class="row">
              <div><label for="field-name">{t("fieldName")}</label>
                <input id="field-name" required maxLength={50} pattern="[A-Za-z0-9_\-]{1,50}" aria-describedby="field-name-hint" value={draft.name}
                  onInput={(e) => change({ name: (e.target as HTMLInputElement).value, named: true })} />
                <p class="hint" id="field-name-hint">{t("fieldNameHint")}</p></div>
              <div><label for="field-label">{t("fieldLabel")}</label>
                <input id="field-label" maxLength={100} value={draft.label} onInput={(e) => change({ label: (e.target as HTMLInputElement).value })} /></div>
            </div>
            <div class="row compact">
              <div><label for="field-page">{t("fieldPageNo")}</label>
                <input id="field-page" type="number" required min={draft.type === FieldType.INITIALS ? 0 : 1} max={pageCount} step={1} value={draft.page}
                  aria-describedby={draft.type === FieldType.INITIALS ? "field-page-hint" : undefined}
                  onInput={(e) => change({ page: (e.target as HTMLInputElement).value })} />
                {draft.type === FieldType.INITIALS && <p class="hint" id="field-page-hint">{t("fieldEveryPageHint")}</p>}</div>
              <div><label for="field-x">{t("fieldX")}</label>
                <input id="field-x" type="number" required min={0} step="any" value={draft.x} onInput={(e) => change({ x: (e.target as HTMLInputElement).value })} /></div>
              <div><label for="field-y">{t("fieldY")}</label>
                <input id="field-y" type="number" required min={0} step="any" value={draft.y} onInput={(e) => change({ y: (e.target as HTMLInputElement).value })} /></div>
              <div><label for="field-width">{t("fieldWidth")}</label>
                <input id="field-width" type="number" required min={4} max={2000} step="any" value={draft.width} onInput={(e) => change({ width: (e.target as HTMLInputElement).value })} /></div>
              <div><label for="field-height">{t("fieldHeight")}</label>
                <input id="field-height" type="number" required min={4} max={2000} step="any" value={draft.height} onInput={(e) => change({ height: (e.target as HTMLInputElement).value })} /></div>
            </div>
            <p class="hint">{t("fieldPointsHint")}</p>
            {draft.type === FieldType.TEXT && (
              <><label for="field-max-length">{t("fieldMaxLength")}</label>
                <input id="field-max-length" type="number" min={1} max={500} step={1} placeholder="100" value={draft.maxLength}
                  onInput={(e) => change({ maxLength: (e.target as HTMLInputElement).value })} /></>
            )}
            {draft.type === FieldType.DROPDOWN && (
              <><label for="field-options">{t("fieldOptions")}</label>
                <textarea id="field-options" required rows={3} value={draft.options} onInput={(e) => change({ options: (e.target as HTMLTextAreaElement).value })} /></>
            )}
            {draft.type === FieldType.DATE && (
              <><label for="field-date-format">{t("fieldDateFormat")}</label>
                <select id="field-date-format" value={draft.dateFormat} onChange={(e) => change({ dateFormat: (e.target as HTMLSelectElement).value })}>
                  {dateFormats.map((f, i) => <option key={f} value={i === 0 ? "" : f}>{f}</option>)}
                </select></>
            )}
            {draft.type === FieldType.CHECKBOX && (
              <label class="check"><input type="checkbox" id="field-checked" checked={draft.value === "true"}
                onChange={(e) => change({ value: (e.target as HTMLInputElement).checked ? "true" : "" })} /><span>{t("fieldPreChecked")}</span></label>
            )}
            {draft.type !== FieldType.SIGNATURE && draft.type !== FieldType.CHECKBOX && (
              <><label for="field-value">{t("fieldPrefill")}</label>
                <input id="field-value" maxLength={500} value={draft.value} onInput={(e) => change({ value: (e.target as HTMLInputElement).value })} /></>
            )}
            {draft.type !== FieldType.SIGNATURE && (
              <>
                <label class="check"><input type="checkbox" id="field-required" checked={draft.required}
                  onChange={(e) => change({ required: (e.target as HTMLInputElement).checked })} /><span>{t("fieldRequired")}</span></label>
                <label class="check"><input type="checkbox" id="field-read-only" checked={draft.readOnly}
                  onChange={(e) => change({ readOnly: (e.target as HTMLInputElement).checked })} /><span>{t("fieldReadOnlyOption")}</span></label>
              </>
            )}
            {error && <Notice kind="error" id="fields-error">{error}</Notice>}
            <div class="buttons">
              <Busy busy={busy} type="submit" id="field-add">{t("fieldAdd")}</Busy>
              <button type="button" class="secondary" onClick={() => setPlacing(false)}>{t("close")}</button>
            </div>
          </form>
          <div class="viewer">
            {file
              ? <PdfViewer bytes={file.bytes} name={file.fileName} labels={viewerLabels} overlays={overlays} onPageClick={placeAt}
                  onPages={(p) => setPages((all) => ({ ...all, [draft.documentId]: p }))} />
              : <p class="loading">{t("loading")}</p>}
          </div>
        </div>
      )}
    </section>
  );
}
