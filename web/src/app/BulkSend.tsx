// CSV bulk send: a template and a CSV file (read as bytes and sent as they are; the server reads UTF-8, with or without
// BOM, and Shift_JIS), a header sample built from the template's roles and merge fields, the whole file's errors by row
// and column when the server refuses it, progress while it sends (polled every 2 s), cancelling, and the past ones.
import { useEffect, useRef, useState } from "preact/hooks";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  BulkRowStatus, BulkSendService, BulkSendStatus,
  type BulkSend, type BulkSendRow,
} from "../gen/gmosign/signing/v1/bulk_send_pb";
import { TemplateService, type Template, type TemplateSummary } from "../gen/gmosign/signing/v1/templates_pb";
import { client, failure, requestId, withRetry } from "../lib/rpc";
import { formatDateTime } from "../lib/i18n";
import { Busy, Notice } from "../lib/ui";
import { guarded, navigate, t } from "./shared";

const bulk = client(BulkSendService);
const templates = client(TemplateService);

const maxCsvBytes = 4 * 1024 * 1024;
const pollMs = 2000;

export const bulkStatusText = (s: BulkSendStatus) => t(`bulk.${BulkSendStatus[s]}`);

/** The CSV's header row for a template: per role its name and e-mail (and access code when required), then the merge fields. */
export function csvHeaders(template: Template): string[] {
  const definition = template.definition!;
  return [
    ...definition.roles.flatMap((r) => [`${r.label}:氏名`, `${r.label}:メールアドレス`, ...(r.accessCodeRequired ? [`${r.label}:アクセスコード`] : [])]),
    ...definition.mergeFields.map((m) => m.name),
  ];
}

const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

function Progress(props: { run: BulkSend }) {
  const b = props.run;
  const toSend = Math.max(b.totalRows - b.invalidRows, 0);
  const done = b.sent + b.failed + b.cancelled;
  const counts: [string, string, number][] = [
    ["total", "countTotal", b.totalRows], ["created", "countCreated", b.created], ["sent", "countSent", b.sent],
    ["failed", "countFailed", b.failed], ["pending", "countPending", b.pendingRows], ["invalid", "countInvalid", b.invalidRows],
    ["cancelled", "countCancelled", b.cancelled],
  ];
  return (
    <>
      <progress class="bulk-progress" id="bulk-progress" max={toSend || 1} value={done} aria-label={t("bulkProgressBar")} />
      <dl class="counts" id="bulk-counts">
        {counts.map(([key, text, n]) => <div key={key}><dt>{t(text)}</dt><dd data-count={key}>{n}</dd></div>)}
      </dl>
    </>
  );
}

function RowErrors(props: { rows: BulkSendRow[]; id: string }) {
  return (
    <div class="table-wrap">
      <table id={props.id}>
        <thead><tr><th scope="col">{t("colRow")}</th><th scope="col">{t("colColumn")}</th><th scope="col">{t("colMessage")}</th></tr></thead>
        <tbody>
          {props.rows.flatMap((r) => (r.errors.length > 0 ? r.errors : [null]).map((e, i) => (
            <tr key={`${r.row}-${i}`} data-row={r.row} data-column={e?.column ?? ""}>
              <td>{r.row}</td>
              <td>{e ? (e.column || t("wholeRow")) : ""}</td>
              <td>{e ? <>{e.messageJa}<div class="message-en" lang="en">{e.messageEn}</div></> : t(`row.${BulkRowStatus[r.status]}`)}</td>
            </tr>
          )))}
        </tbody>
      </table>
    </div>
  );
}

export function BulkSendPage() {
  const [choices, setChoices] = useState<TemplateSummary[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});
  const [templateId, setTemplateId] = useState(() => new URLSearchParams(location.search).get("template") ?? "");
  const [template, setTemplate] = useState<Template | null>(null);
  const [sample, setSample] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [validOnly, setValidOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [current, setCurrent] = useState<BulkSend | null>(null);
  const [problems, setProblems] = useState<BulkSendRow[]>([]);
  const [past, setPast] = useState<BulkSend[] | null>(null);
  // One key per choice of template, file and option: pressing the button again after an error starts once.
  const startId = useRef(requestId());
  const fileInput = useRef<HTMLInputElement>(null);

  const loadPast = () => guarded(() => withRetry(() => bulk.listBulkSends({ pageSize: 20 })))
    .then((r) => setPast(r.bulkSends)).catch((e) => setError(failure(e).message));

  useEffect(() => {
    guarded(() => withRetry(() => templates.listTemplates({ pageSize: 100, includeArchived: true }))).then((r) => {
      setChoices(r.templates.filter((x) => !x.archived));
      setNames(Object.fromEntries(r.templates.map((x) => [x.templateId, x.name])));
    }).catch((e) => setError(failure(e).message));
    void loadPast();
  }, []);

  // The chosen template's definition, for the header sample (UTF-8 with a BOM, so that Excel reads it as UTF-8).
  useEffect(() => {
    setTemplate(null);
    if (!templateId) {
      return;
    }
    let url = "";
    guarded(() => withRetry(() => templates.getTemplate({ templateId }))).then((r) => {
      setTemplate(r.template!);
      url = URL.createObjectURL(new Blob(["\uFEFF" + csvHeaders(r.template!).map(csvCell).join(",") + "\r\n"], { type: "text/csv;charset=utf-8" }));
      setSample(url);
    }).catch((e) => setError(failure(e).message));
    return () => {
      if (url) {
        URL.revokeObjectURL(url);
      }
      setSample("");
    };
  }, [templateId]);

  // While it runs: its counts every 2 s, and the rows with problems.
  const running = current?.status === BulkSendStatus.RUNNING;
  useEffect(() => {
    if (!current || !running) {
      return;
    }
    const timer = setTimeout(() => {
      guarded(() => withRetry(() => bulk.getBulkSend({ bulkSendId: current.bulkSendId, onlyProblems: true, pageSize: 200 })))
        .then((r) => {
          setCurrent(r.bulkSend!);
          setProblems(r.rows);
          if (r.bulkSend!.status !== BulkSendStatus.RUNNING) {
            void loadPast();
          }
        })
        .catch((e) => setError(failure(e).message));
    }, pollMs);
    return () => clearTimeout(timer);
  }, [current]);

  const changed = () => {
    startId.current = requestId();
  };

  const start = async () => {
    setError("");
    if (!templateId) {
      setError(t("needTemplate"));
      return;
    }
    if (!file) {
      setError(t("needCsv"));
      return;
    }
    if (file.size > maxCsvBytes) {
      setError(t("csvTooLarge"));
      return;
    }
    setBusy(true);
    try {
      const csv = new Uint8Array(await file.arrayBuffer());
      const r = await guarded(() => withRetry(() => bulk.startBulkSend({
        requestId: startId.current, templateId, fileName: file.name.slice(0, 200), csv, sendValidRows: validOnly,
      })));
      setCurrent(r.bulkSend!);
      setProblems(r.invalidRows);
      void loadPast();
    } catch (e) {
      setCurrent(null);
      setError(t("failed", { message: failure(e).message }));
    } finally {
      setBusy(false);
    }
  };

  const show = async (id: string) => {
    setError("");
    try {
      const r = await guarded(() => withRetry(() => bulk.getBulkSend({ bulkSendId: id, onlyProblems: true, pageSize: 200 })));
      setCurrent(r.bulkSend!);
      setProblems(r.rows);
    } catch (e) {
      setError(failure(e).message);
    }
  };

  const cancel = async () => {
    if (!current) {
      return;
    }
    setBusy(true);
    try {
      const r = await guarded(() => withRetry(() => bulk.cancelBulkSend({ bulkSendId: current.bulkSendId })));
      setCurrent(r.bulkSend!);
      void loadPast();
    } catch (e) {
      setError(t("failed", { message: failure(e).message }));
    } finally {
      setBusy(false);
    }
  };

  const at = (b: BulkSend) => (b.createdAt ? formatDateTime(timestampDate(b.createdAt)) : "");
  return (
    <div class="bulk">
      <form class="card" aria-labelledby="bulk-title" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <h1 id="bulk-title">{t("bulkTitle")}</h1>
        <p class="hint">{t("bulkHint")}</p>
        <label for="bulk-template">{t("chooseTemplate")}</label>
        <select id="bulk-template" value={templateId} required onChange={(e) => { setTemplateId((e.target as HTMLSelectElement).value); changed(); }}>
          <option value="">{t("chooseTemplatePlaceholder")}</option>
          {choices.map((c) => <option key={c.templateId} value={c.templateId}>{c.name}（{t("templateVersion", { n: c.version })}）</option>)}
          {templateId && !choices.some((c) => c.templateId === templateId) && template && <option value={templateId}>{template.name}</option>}
        </select>
        {template && sample && (
          <p>
            <a href={sample} download={`${template.name}.csv`} id="csv-sample">{t("csvSample")}</a>
            <span class="hint" id="csv-columns"> {t("csvColumns", { columns: csvHeaders(template).join(", ") })}</span>
          </p>
        )}
        <label for="bulk-file">{t("csvFile")}</label>
        <input ref={fileInput} id="bulk-file" type="file" accept=".csv,text/csv" required
          onChange={(e) => { setFile((e.target as HTMLInputElement).files?.[0] ?? null); changed(); }} />
        <label class="check"><input type="checkbox" id="bulk-valid-only" checked={validOnly}
          onChange={(e) => { setValidOnly((e.target as HTMLInputElement).checked); changed(); }} /><span>{t("sendValidRows")}</span></label>
        {error && <Notice kind="error" id="bulk-error">{error}</Notice>}
        <div class="buttons">
          <Busy busy={busy} type="submit" id="bulk-start">{t("startBulk")}</Busy>
        </div>
      </form>

      {current && (
        <section class="card" aria-labelledby="bulk-run-title" id="bulk-run" data-bulk-id={current.bulkSendId} data-status={BulkSendStatus[current.status]}>
          <h2 id="bulk-run-title">{t("bulkProgress")}: {current.fileName} <span class="badge" id="bulk-status">{bulkStatusText(current.status)}</span></h2>
          <p class="hint">{names[current.templateId] ?? ""}（{t("templateVersion", { n: current.templateVersion })}） · {current.encoding} · {at(current)}</p>
          {current.status === BulkSendStatus.REJECTED
            ? <Notice kind="error" id="bulk-rejected">{t("bulkRejected", { n: current.invalidRows })}</Notice>
            : <Progress run={current} />}
          {current.status !== BulkSendStatus.REJECTED && current.invalidRows > 0 && <p class="hint">{t("bulkInvalidSkipped", { n: current.invalidRows })}</p>}
          {running && (
            <div class="buttons">
              <Busy busy={busy} kind="danger" id="bulk-cancel" onClick={() => void cancel()}>{t("cancelBulk")}</Busy>
            </div>
          )}
          {problems.length > 0 && (
            <>
              <h3>{t("problemRows")}</h3>
              <RowErrors rows={problems} id="bulk-errors" />
            </>
          )}
        </section>
      )}

      <section class="card" aria-labelledby="bulk-past-title">
        <h2 id="bulk-past-title">{t("pastBulkSends")}</h2>
        {past === null ? <p class="loading">{t("loading")}</p> : past.length === 0 ? <p id="no-bulk-sends">{t("noBulkSends")}</p> : (
          <div class="table-wrap">
            <table id="bulk-sends">
              <thead><tr><th scope="col">{t("colStarted")}</th><th scope="col">{t("colFile")}</th><th scope="col">{t("chooseTemplate")}</th>
                <th scope="col">{t("colStatus")}</th><th scope="col">{t("colCounts")}</th><th scope="col"><span class="visually-hidden">{t("show")}</span></th></tr></thead>
              <tbody>
                {past.map((b) => (
                  <tr key={b.bulkSendId} data-bulk-id={b.bulkSendId} data-status={BulkSendStatus[b.status]}>
                    <td>{at(b)}</td><td>{b.fileName}</td>
                    <td>{names[b.templateId] ? <a href={`/app/templates/${b.templateId}`} onClick={(e) => { e.preventDefault(); navigate(`/app/templates/${b.templateId}`); }}>{names[b.templateId]}</a> : ""}</td>
                    <td>{bulkStatusText(b.status)}</td><td>{b.sent} / {b.totalRows}</td>
                    <td><button type="button" class="link" onClick={() => void show(b.bulkSendId)} aria-label={`${t("show")}: ${b.fileName} ${at(b)}`}>{t("show")}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
