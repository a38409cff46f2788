// A list read page by page with the server's cursor: the tokens of the pages seen so far (going back re-reads the
// previous page with its token), the rows of the current page, and the previous / next buttons.
import { useEffect, useState } from "preact/hooks";
import { failure, withRetry } from "../lib/rpc";
import { guarded, t } from "./shared";

export interface Page<T> {
  rows: T[];
  next: string;
}

export function usePagedList<T>(load: (pageToken: string) => Promise<Page<T>>, filters: unknown[]) {
  const [tokens, setTokens] = useState<string[]>([""]);
  const [rows, setRows] = useState<T[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");

  const page = tokens[tokens.length - 1];
  useEffect(() => {
    let cancelled = false;
    setRows(null);
    guarded(() => withRetry(() => load(page)))
      .then((reply) => {
        if (!cancelled) {
          setRows(reply.rows);
          setNext(reply.next);
        }
      })
      .catch((e) => !cancelled && setError(failure(e).message));
    return () => {
      cancelled = true;
    };
  }, [...filters, page]);

  /** Back to the first page (after a filter changed). */
  const restart = () => setTokens([""]);

  const pager = (ids: { previous?: string; next?: string } = {}) => (
    <div class="buttons">
      <button type="button" class="secondary" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))} id={ids.previous}>{t("previous")}</button>
      <button type="button" class="secondary" disabled={!next} onClick={() => setTokens([...tokens, next])} id={ids.next}>{t("next")}</button>
    </div>
  );

  return { rows, error, restart, pager };
}
