// Japanese first, English on request: the choice made with the page's switch wins, then the browser's languages
// (accept-language), then Japanese.
export type Language = "ja" | "en";
export type Texts = Record<string, { ja: string; en: string }>;

const storageKey = "gmosign.lang";
let language: Language = initial();
const listeners = new Set<(l: Language) => void>();

function initial(): Language {
  const chosen = safeStorage()?.getItem(storageKey);
  if (chosen === "ja" || chosen === "en") {
    return chosen;
  }
  for (const preferred of navigator.languages ?? [navigator.language]) {
    const tag = preferred.toLowerCase();
    if (tag.startsWith("ja")) {
      return "ja";
    }
    if (tag.startsWith("en")) {
      return "en";
    }
  }
  return "ja";
}

function safeStorage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

export function currentLanguage(): Language {
  return language;
}

export function setLanguage(next: Language): void {
  language = next;
  safeStorage()?.setItem(storageKey, next);
  document.documentElement.lang = next;
  listeners.forEach((l) => l(next));
}

export function onLanguageChange(listener: (l: Language) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text in the current language, with {name} placeholders filled in. */
export function translate(texts: Texts, key: string, vars: Record<string, string | number> = {}): string {
  const entry = texts[key];
  const template = entry ? entry[language] : key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export function formatDateTime(date: Date | undefined): string {
  if (!date) {
    return "";
  }
  return new Intl.DateTimeFormat(language === "ja" ? "ja-JP" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "Asia/Tokyo",
  }).format(date) + (language === "ja" ? "" : " JST");
}

export function formatDate(date: Date | undefined): string {
  if (!date) {
    return "";
  }
  return new Intl.DateTimeFormat(language === "ja" ? "ja-JP" : "en-GB", { dateStyle: "medium", timeZone: "Asia/Tokyo" }).format(date);
}

export function formatBytes(size: number): string {
  if (size < 1024) {
    return `${size} B`;
  }
  if (size < 1024 * 1024) {
    return `${(size / 1024).toFixed(1)} KB`;
  }
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

document.documentElement.lang = language;
