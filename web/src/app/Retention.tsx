// Retention (電子帳簿保存法): search stored documents by transaction date, amount, counterparty and title (combined,
// with cursor paging), download a document, read its correction history; export every document of the tenant as a
// ZIP with a progress bar that survives a page reload (the received bytes are kept and the export resumes).
import { useEffect, useState } from "preact/hooks";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { RetentionService, type Correction, type Document } from "../gen/gmosign/retention/v1/retention_pb";
import { client, failure, withRetry } from "../lib/rpc";
import { formatBytes, formatDateTime, translate, type Texts } from "../lib/i18n";
import { Busy, Notice, useLanguage } from "../lib/ui";
import { collect, save } from "../lib/download";
import { guarded } from "./shared";
import { forget, loadChunks, saveChunk } from "./exportStore";

const retention = client(RetentionService);
const exportKey = "gmosign.export-id";

const texts: Texts = {
  title: { ja: "保管文書の検索", en: "Stored documents" },
  from: { ja: "取引年月日（から）", en: "Transaction date from" },
  to: { ja: "取引年月日（まで）", en: "Transaction date to" },
  minAmount: { ja: "金額（以上）", en: "Amount from" },
  maxAmount: { ja: "金額（以下）", en: "Amount to" },
  counterparty: { ja: "取引先", en: "Counterparty" },
  docTitle: { ja: "件名", en: "Title" },
  search: { ja: "検索", en: "Search" },
  none: { ja: "条件に合う文書はありません。", en: "No documents match." },
  date: { ja: "取引年月日", en: "Date" },
  amount: { ja: "金額", en: "Amount" },
  type: { ja: "種類", en: "Type" },
  download: { ja: "ダウンロード", en: "Download" },
  history: { ja: "訂正履歴", en: "Corrections" },
  noHistory: { ja: "訂正はありません。", en: "No corrections." },
  next: { ja: "次へ", en: "Next" },
  previous: { ja: "前へ", en: "Previous" },
  exportTitle: { ja: "一括エクスポート", en: "Export everything" },
  exportIntro: { ja: "テナントのすべての保管文書（署名済みPDF、締結証明書、監査ログ）を ZIP でダウンロードします。", en: "Downloads every stored document of your organisation (signed PDFs, certificates of completion, audit trails) as one ZIP." },
  exportStart: { ja: "エクスポートを開始", en: "Start the export" },
  exportResume: { ja: "エクスポートを再開", en: "Resume the export" },
  exportProgress: { ja: "{done} / {total} 文書、{bytes} 受信", en: "{done} of {total} documents, {bytes} received" },
  exportInterrupted: { ja: "エクスポートが中断されました（{bytes} 受信済み）。再開すると続きから受信します。", en: "The export was interrupted ({bytes} received). Resuming continues from there." },
  exportDone: { ja: "エクスポートが完了しました（{bytes}）。", en: "The export is complete ({bytes})." },
  failed: { ja: "できませんでした: {message}", en: "That did not work: {message}" },
  loading: { ja: "読み込んでいます…", en: "Loading…" },
};
const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);

function date(value: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

export function Retention() {
  useLanguage();
  const [form, setForm] = useState({ from: "", to: "", min: "", max: "", counterparty: "", title: "" });
  const [query, setQuery] = useState(form);
  const [tokens, setTokens] = useState<string[]>([""]);
  const [rows, setRows] = useState<Document[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");
  const [history, setHistory] = useState<{ id: string; corrections: Correction[] } | null>(null);

  useEffect(() => {
    setRows(null);
    const amount = query.min || query.max
      ? { min: query.min ? BigInt(query.min.replace(/[,\s]/g, "")) : undefined, max: query.max ? BigInt(query.max.replace(/[,\s]/g, "")) : undefined }
      : undefined;
    guarded(() => withRetry(() => retention.searchDocuments({
      transactionDate: query.from || query.to ? { from: date(query.from), to: date(query.to) } : undefined,
      amount, counterparty: query.counterparty.trim(), title: query.title.trim(), pageSize: 20, pageToken: tokens[tokens.length - 1],
    }))).then((r) => { setRows(r.documents); setNext(r.nextPageToken); setError(""); }).catch((e) => { setRows([]); setError(failure(e).message); });
  }, [query, tokens]);

  const field = (name: keyof typeof form) => ({
    value: form[name], onInput: (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <section aria-labelledby="retention-title">
      <h1 id="retention-title">{t("title")}</h1>
      <form class="card" role="search" onSubmit={(e) => { e.preventDefault(); setQuery(form); setTokens([""]); }}>
        <div class="row">
          <div><label for="r-from">{t("from")}</label><input id="r-from" type="date" {...field("from")} /></div>
          <div><label for="r-to">{t("to")}</label><input id="r-to" type="date" {...field("to")} /></div>
          <div><label for="r-min">{t("minAmount")}</label><input id="r-min" inputMode="numeric" maxLength={20} {...field("min")} /></div>
          <div><label for="r-max">{t("maxAmount")}</label><input id="r-max" inputMode="numeric" maxLength={20} {...field("max")} /></div>
        </div>
        <div class="row">
          <div><label for="r-counterparty">{t("counterparty")}</label><input id="r-counterparty" maxLength={200} {...field("counterparty")} /></div>
          <div><label for="r-title">{t("docTitle")}</label><input id="r-title" maxLength={200} {...field("title")} /></div>
        </div>
        <button type="submit" class="primary" id="retention-search">{t("search")}</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {rows === null ? <p class="loading">{t("loading")}</p> : rows.length === 0 ? <p id="no-documents">{t("none")}</p> : (
        <div class="table-wrap">
          <table id="documents">
            <thead><tr><th scope="col">{t("docTitle")}</th><th scope="col">{t("date")}</th><th scope="col">{t("amount")}</th><th scope="col">{t("counterparty")}</th><th scope="col">{t("type")}</th><th scope="col"><span class="visually-hidden">{t("download")}</span></th></tr></thead>
            <tbody>
              {rows.map((d) => {
                const m = d.metadata!;
                const td = m.transactionDate;
                return (
                  <tr key={d.documentId} data-document={m.title}>
                    <td>{m.title}<div class="hint">{m.fileName} · {formatBytes(Number(d.sizeBytes))}</div></td>
                    <td>{td ? `${td.year}-${String(td.month).padStart(2, "0")}-${String(td.day).padStart(2, "0")}` : ""}</td>
                    <td>{Number(m.amount).toLocaleString()} {m.currency}</td>
                    <td>{m.counterparty}</td>
                    <td>{m.documentType}</td>
                    <td class="actions">
                      <button type="button" class="secondary small" data-download={m.title} onClick={async () => {
                        try {
                          save(await guarded(() => withRetry(() => collect(retention.downloadDocument({ documentId: d.documentId }), m.fileName || `${m.title}.pdf`))));
                        } catch (e) {
                          setError(t("failed", { message: failure(e).message }));
                        }
                      }}>{t("download")}</button>
                      <button type="button" class="link" onClick={async () => {
                        const h = await guarded(() => withRetry(() => retention.getDocumentHistory({ documentId: d.documentId })));
                        setHistory({ id: d.documentId, corrections: h.corrections });
                      }}>{t("history")}</button>
                      {history?.id === d.documentId && (
                        history.corrections.length === 0 ? <div class="hint">{t("noHistory")}</div> : (
                          <ul class="hint">{history.corrections.map((c, i) => (
                            <li key={i}>{c.at ? formatDateTime(timestampDate(c.at)) : ""} {c.field}: {c.oldValue} → {c.newValue}（{c.reason}）</li>
                          ))}</ul>
                        ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div class="buttons">
        <button type="button" class="secondary" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>{t("previous")}</button>
        <button type="button" class="secondary" disabled={!next} onClick={() => setTokens([...tokens, next])} id="documents-next">{t("next")}</button>
      </div>
      <ExportPanel />
    </section>
  );
}

function ExportPanel() {
  const [exportId, setExportId] = useState(() => sessionStorage.getItem(exportKey) ?? "");
  const [state, setState] = useState<"idle" | "running" | "interrupted" | "done">("idle");
  const [received, setReceived] = useState(0);
  const [docs, setDocs] = useState({ done: 0, total: 0 });
  const [totalBytes, setTotalBytes] = useState(0);
  const [error, setError] = useState("");

  // After a reload: the bytes kept for the unfinished export.
  useEffect(() => {
    if (exportId) {
      loadChunks(exportId).then((kept) => { setReceived(kept.bytes); setState("interrupted"); }).catch(() => {});
    }
  }, []);

  const run = async (resume: boolean) => {
    setState("running");
    setError("");
    let id = resume ? exportId : "";
    let offset = 0;
    if (resume && id) {
      offset = (await loadChunks(id)).bytes;
    }
    setReceived(offset);
    try {
      for await (const message of retention.exportDocuments({ exportId: id, resumeOffset: BigInt(offset) })) {
        if (message.part.case === "progress") {
          const p = message.part.value;
          if (p.exportId && p.exportId !== id) {
            id = p.exportId;
            sessionStorage.setItem(exportKey, id);
            setExportId(id);
          }
          setDocs({ done: p.documentsDone, total: p.documentsTotal });
          if (p.totalBytes > 0n) {
            setTotalBytes(Number(p.totalBytes));
          }
        } else if (message.part.case === "chunk") {
          const chunk = message.part.value;
          if (Number(chunk.offset) === offset) {
            await saveChunk(id, offset, chunk.data);
            offset += chunk.data.length;
            setReceived(offset);
          }
        }
      }
      const kept = await loadChunks(id);
      const bytes = new Uint8Array(kept.bytes);
      let at = 0;
      for (const c of kept.chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      save({ fileName: `gmosign-export-${new Date().toISOString().slice(0, 10)}.zip`, bytes }, "application/zip");
      await forget(id);
      sessionStorage.removeItem(exportKey);
      setExportId("");
      setTotalBytes(kept.bytes);
      setState("done");
    } catch (e) {
      const f = failure(e);
      // A snapshot that can no longer be resumed (documents changed, or past its lifetime): the next run starts afresh.
      if (f.reason === "EXPORT_STALE" || f.reason === "EXPORT_EXPIRED") {
        await forget(id);
        sessionStorage.removeItem(exportKey);
        setExportId("");
        setState("idle");
      } else {
        setState("interrupted");
      }
      setError(f.message);
    }
  };

  return (
    <section class="card" aria-labelledby="export-title">
      <h2 id="export-title">{t("exportTitle")}</h2>
      <p>{t("exportIntro")}</p>
      {(state === "running" || state === "interrupted") && (
        <>
          <progress id="export-progress" max={totalBytes || Math.max(docs.total, 1)} value={totalBytes ? received : docs.done} aria-label={t("exportTitle")} />
          <p role="status" id="export-status">{state === "interrupted"
            ? t("exportInterrupted", { bytes: formatBytes(received) })
            : t("exportProgress", { done: docs.done, total: docs.total, bytes: formatBytes(received) })}</p>
        </>
      )}
      {state === "done" && <Notice kind="success" id="export-done">{t("exportDone", { bytes: formatBytes(totalBytes) })}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <div class="buttons">
        {state === "interrupted" && <Busy busy={false} onClick={() => run(true)} id="export-resume">{t("exportResume")}</Busy>}
        <Busy busy={state === "running"} kind={state === "interrupted" ? "secondary" : "primary"} onClick={() => run(false)} id="export-start">{t("exportStart")}</Busy>
      </div>
    </section>
  );
}
