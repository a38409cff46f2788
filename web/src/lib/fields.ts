// Input fields on the documents, as both front ends need them: the types' names, a signer's initials and today's
// date as the server would fill them, and the checks a signer's value must pass — the same rules SignEnvelope applies,
// run before sending so that a mistake is shown at the field at once (the server checks again and has the last word).
import { FieldMapping, FieldType, type Field } from "../gen/gmosign/signing/v1/signing_pb";
import { translate, type Texts } from "./i18n";

export const fieldTexts: Texts = {
  "type.SIGNATURE": { ja: "署名欄", en: "Signature" },
  "type.TEXT": { ja: "テキスト", en: "Text" },
  "type.DATE": { ja: "日付", en: "Date" },
  "type.CHECKBOX": { ja: "チェックボックス", en: "Checkbox" },
  "type.INITIALS": { ja: "イニシャル", en: "Initials" },
  "type.DROPDOWN": { ja: "選択肢", en: "Dropdown" },
  required: { ja: "必須", en: "required" },
  choose: { ja: "選択してください", en: "Choose one" },
  "error.required": { ja: "入力してください。", en: "Please fill this in." },
  "error.checked": { ja: "チェックを入れてください。", en: "Please tick this box." },
  "error.tooLong": { ja: "{n}文字以内で入力してください。", en: "Use at most {n} characters." },
  "error.oneLine": { ja: "改行や制御文字は使えません。", en: "Use one line without control characters." },
  "error.date": { ja: "日付を正しく入力してください（1900年以降）。", en: "Enter a valid date (1900 or later)." },
  "error.option": { ja: "選択肢から選んでください。", en: "Choose one of the options." },
  "error.amount": { ja: "金額を数字で入力してください（カンマ可）。", en: "Enter an amount in digits (commas allowed)." },
};

export const ft = (key: string, vars?: Record<string, string | number>) => translate(fieldTexts, key, vars);

/** The most characters any value may have, and initials. */
export const maxValueLength = 500;
export const maxInitialsLength = 10;
/** A text field's length when the sender set none. */
export const defaultMaxLength = 100;

export function typeName(type: FieldType): string {
  return FieldType[type] ? ft(`type.${FieldType[type]}`) : "";
}

/** What the signer sees beside a field: the sender's label, or the field's name. */
export const caption = (f: Pick<Field, "label" | "name">) => f.label || f.name;

/** The first letter of each part of a name (山田 太郎 → 山太, Taro Yamada → TY), as the server fills initials. */
export function initials(name: string): string {
  const letters = name.split(/[ \u3000]+/).filter(Boolean).map((part) => part[0].toUpperCase()).join("");
  return letters ? letters.slice(0, maxInitialsLength) : "-";
}

/** Today in Japan as YYYY-MM-DD, the day the server puts in a date field left empty. */
export function todayInJapan(now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

// Control characters as .NET counts them (C0, DEL and C1).
const control = /[\u0000-\u001f\u007f-\u009f]/;

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) {
    return false;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An amount: digits with optional thousands commas (and a leading ¥), 0..10^15. */
function isAmount(value: string): boolean {
  const digits = value.trim().replace(/^[¥￥]+/, "").replaceAll(",", "");
  return /^\d{1,16}$/.test(digits) && BigInt(digits) <= 1_000_000_000_000_000n;
}

/**
 * Why a signer's value for a field would be refused, in the page's language, or null when it is fine. Checkboxes
 * take "true" or "false". An empty date or initials field is filled by the server (today, the name's initials), but a
 * required one left empty is reported here, so that the signer sees what will be signed.
 */
export function fieldProblem(f: Field, value: string): string | null {
  if (f.readOnly || f.type === FieldType.SIGNATURE) {
    return null;
  }
  if (value.length > maxValueLength) {
    return ft("error.tooLong", { n: maxValueLength });
  }
  if (control.test(value)) {
    return ft("error.oneLine");
  }
  if (f.type === FieldType.CHECKBOX) {
    return f.required && value !== "true" ? ft("error.checked") : null;
  }
  if (value.trim() === "") {
    return f.required ? ft("error.required") : null;
  }
  switch (f.type) {
    case FieldType.TEXT: {
      const max = f.maxLength || defaultMaxLength;
      if (value.length > max) {
        return ft("error.tooLong", { n: max });
      }
      return f.mapsTo === FieldMapping.AMOUNT && !isAmount(value) ? ft("error.amount") : null;
    }
    case FieldType.DATE:
      return isDate(value) ? null : ft("error.date");
    case FieldType.INITIALS:
      return value.length > maxInitialsLength ? ft("error.tooLong", { n: maxInitialsLength }) : null;
    case FieldType.DROPDOWN:
      return f.options.includes(value) ? null : ft("error.option");
    default:
      return null;
  }
}
