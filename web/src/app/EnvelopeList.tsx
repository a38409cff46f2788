// Envelopes of the tenant: filter by status, search titles, page through with the server's cursor.
import { useState } from "preact/hooks";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { EnvelopeStatus, SigningService, type EnvelopeSummary } from "../gen/gmosign/signing/v1/signing_pb";
import { client } from "../lib/rpc";
import { formatDateTime } from "../lib/i18n";
import { Notice } from "../lib/ui";
import { usePagedList } from "./paging";
import { navigate, t } from "./shared";

const signing = client(SigningService);
const statuses = [EnvelopeStatus.DRAFT, EnvelopeStatus.APPROVAL, EnvelopeStatus.SENT, EnvelopeStatus.COMPLETED, EnvelopeStatus.DECLINED,
  EnvelopeStatus.VOIDED, EnvelopeStatus.EXPIRED];

export const statusText = (s: EnvelopeStatus) => t(`envelope.${EnvelopeStatus[s]}`);

export function EnvelopeList() {
  const [status, setStatus] = useState(EnvelopeStatus.UNSPECIFIED);
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const { rows, error, restart, pager } = usePagedList(
    (pageToken) => signing.listEnvelopes({ status, titleContains: query, pageSize: 20, pageToken }).then((r) => ({ rows: r.envelopes, next: r.nextPageToken })),
    [status, query]);

  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">{t("envelopes")}</h1>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); setQuery(search.trim()); restart(); }}>
        <div>
          <label for="status-filter">{t("filterStatus")}</label>
          <select id="status-filter" value={status} onChange={(e) => { setStatus(Number((e.target as HTMLSelectElement).value)); restart(); }}>
            <option value={EnvelopeStatus.UNSPECIFIED}>{t("filterAll")}</option>
            {statuses.map((s) => <option key={s} value={s}>{statusText(s)}</option>)}
          </select>
        </div>
        <div class="grow">
          <label for="title-search">{t("searchTitle")}</label>
          <input id="title-search" type="search" maxLength={200} value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="secondary" id="search">{t("search")}</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {rows === null ? <p class="loading">{t("loading")}</p> : rows.length === 0 ? <p id="no-envelopes">{t("none")}</p> : (
        <div class="table-wrap">
          <table id="envelopes">
            <thead><tr><th scope="col">{t("colTitle")}</th><th scope="col">{t("colStatus")}</th><th scope="col">{t("colUpdated")}</th><th scope="col">{t("colExpires")}</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.envelopeId} data-envelope-id={r.envelopeId}>
                  <td><a href={`/app/envelopes/${r.envelopeId}`} onClick={(e) => { e.preventDefault(); navigate(`/app/envelopes/${r.envelopeId}`); }}>{r.title}</a></td>
                  <td><span class={`badge e-${EnvelopeStatus[r.status].toLowerCase()}`}>{statusText(r.status)}</span></td>
                  <td>{r.updatedAt ? formatDateTime(timestampDate(r.updatedAt)) : ""}</td>
                  <td>{r.expiresAt ? formatDateTime(timestampDate(r.expiresAt)) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pager({ previous: "previous-page", next: "next-page" })}
    </section>
  );
}
