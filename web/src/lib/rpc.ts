// gRPC-Web calls to this host: one transport, the caller's credentials and language on every call, and the
// server's error details (google.rpc.ErrorInfo) decoded into something a page can switch on.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb";
import { currentLanguage } from "./i18n";

let bearer = "";

/** Signing link token or session token; kept in memory only (callers decide about sessionStorage). */
export function setBearer(token: string | null): void {
  bearer = token ?? "";
}

const headers: Interceptor = (next) => async (req) => {
  req.header.set("accept-language", currentLanguage() === "ja" ? "ja" : "en");
  if (bearer) {
    req.header.set("authorization", `Bearer ${bearer}`);
  }
  return next(req);
};

const transport = createGrpcWebTransport({
  baseUrl: location.origin,
  interceptors: [headers],
  // Binary protobuf: the same bytes the native clients send.
  useBinaryFormat: true,
});

export function client<T extends DescService>(service: T): Client<T> {
  return createClient(service, transport);
}

export interface Failure {
  code: Code;
  /** ErrorInfo reason (`ACCESS_CODE_MISMATCH`, `RATE_LIMITED`, …), or "" when the server sent none. */
  reason: string;
  field: string;
  metadata: Record<string, string>;
  /** The server's message in the requested language, or the transport's when the server was not reached. */
  message: string;
  /** Retrying the same request may succeed (UNAVAILABLE other than maintenance, DEADLINE_EXCEEDED, network). */
  retryable: boolean;
}

export function failure(error: unknown): Failure {
  const e = ConnectError.from(error);
  const info = e.findDetails(ErrorInfoSchema)[0];
  const reason = info?.reason ?? "";
  return {
    code: e.code,
    reason,
    field: info?.metadata["field"] ?? "",
    metadata: { ...(info?.metadata ?? {}) },
    message: e.rawMessage,
    retryable: (e.code === Code.Unavailable && reason !== "MAINTENANCE") || e.code === Code.DeadlineExceeded
      || (e.code === Code.Unknown && reason === ""),
  };
}

/**
 * A random idempotency key for one user action: a retry of the same action (double click, network retry, the user
 * pressing the button again after an error) sends the same key, so the server acts once.
 */
export function requestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs a call, repeating it (same request, hence same request id) while the server says "try again". */
export async function withRetry<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const f = failure(error);
      if (!f.retryable || attempt >= attempts) {
        throw error;
      }
      const hinted = Number(f.metadata["retry_after"]);
      const delay = Number.isFinite(hinted) && hinted > 0 ? Math.min(hinted, 5) * 1000 : 400 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export { Code, ConnectError };
