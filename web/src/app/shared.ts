// What the console's pages share: texts, navigation, and the session-expiry guard around calls.
import type { WhoAmIResponse } from "../gen/gmosign/accounts/v1/accounts_pb";
import { Code, failure } from "../lib/rpc";
import { translate } from "../lib/i18n";
import { texts } from "./texts";

export const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);

export interface Session {
  token: string;
  identity: Pick<WhoAmIResponse, "displayName" | "tenantId" | "userId" | "roles">;
}

let expiredHandler: () => void = () => {};

export function onSessionExpired(handler: () => void): void {
  expiredHandler = handler;
}

/** Runs a call; when the server says the session has ended, the console goes back to the sign-in page. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (failure(error).code === Code.Unauthenticated) {
      expiredHandler();
    }
    throw error;
  }
}

export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}
