// Pieces every page uses: the header with the language switch, notices, and a busy-aware button.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { currentLanguage, onLanguageChange, setLanguage, type Language } from "./i18n";
import { failure } from "./rpc";

/** Re-renders the calling component when the language changes. */
export function useLanguage(): Language {
  const [language, set] = useState(currentLanguage());
  useEffect(() => onLanguageChange(set), []);
  return language;
}

export function LanguageSwitch() {
  const language = useLanguage();
  return (
    <div class="lang" role="group" aria-label="Language / 言語">
      <button type="button" aria-pressed={language === "ja"} onClick={() => setLanguage("ja")} lang="ja">日本語</button>
      <button type="button" aria-pressed={language === "en"} onClick={() => setLanguage("en")} lang="en">English</button>
    </div>
  );
}

export function Header(props: { subtitle?: string; children?: ComponentChildren }) {
  return (
    <header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true">GS</span>
        <span class="brand-name">GmoSign</span>
        {props.subtitle && <span class="brand-sub">{props.subtitle}</span>}
      </div>
      <div class="top-actions">
        {props.children}
        <LanguageSwitch />
      </div>
    </header>
  );
}

export function Notice(props: { kind?: "info" | "error" | "success" | "warning"; title?: string; children?: ComponentChildren; id?: string }) {
  const kind = props.kind ?? "info";
  return (
    <div class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"} id={props.id} data-testid={props.id}>
      {props.title && <h2>{props.title}</h2>}
      {props.children}
    </div>
  );
}

export function Busy(props: { busy: boolean; children: ComponentChildren; kind?: "primary" | "secondary" | "danger"; type?: "submit" | "button";
  onClick?: () => void; disabled?: boolean; id?: string }) {
  return (
    <button type={props.type ?? "button"} class={props.kind ?? "primary"} disabled={props.busy || props.disabled} aria-busy={props.busy}
      onClick={props.onClick} id={props.id}>
      {props.children}
    </button>
  );
}

/**
 * A button's action: busy while it runs, and its failure as a message (formatted by the page, in its language)
 * instead of an exception. run() resolves to whether the action succeeded.
 */
export function useAction(failed: (message: string) => string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const run = async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError("");
    try {
      await action();
      return true;
    } catch (e) {
      setError(failed(failure(e).message));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
