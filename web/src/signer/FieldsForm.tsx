// The signer's input fields, before the sign button: one input per field by its type, the sender's values shown
// (and locked when read-only), dates defaulting to today in Japan and initials to the name's. The values are checked
// here by the server's rules before SignEnvelope; a refusal the server still gives is shown at the field it names.
import { FieldType, type Document, type Field } from "../gen/gmosign/signing/v1/signing_pb";
import { caption, defaultMaxLength, fieldProblem, ft, initials, maxInitialsLength, todayInJapan, typeName } from "../lib/fields";
import { translate } from "../lib/i18n";
import { texts } from "./texts";

const t = (key: string, vars?: Record<string, string | number>) => translate(texts, key, vars);

/** The fields a signer fills in (a signature field only says where the stamp goes). */
export const fillable = (fields: Field[]) => fields.filter((f) => f.type !== FieldType.SIGNATURE);

/** Each field's starting value: the sender's, else today for a date and the initials of the signer's name. */
export function initialValues(fields: Field[], signerName: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of fillable(fields)) {
    switch (f.type) {
      case FieldType.CHECKBOX:
        values[f.name] = f.value === "true" ? "true" : "false";
        break;
      case FieldType.DATE:
        values[f.name] = f.value || (f.readOnly ? "" : todayInJapan());
        break;
      case FieldType.INITIALS:
        values[f.name] = f.value || (f.readOnly ? "" : initials(signerName));
        break;
      default:
        values[f.name] = f.value;
    }
  }
  return values;
}

/** The problems of the values, by field name (empty when every value may be sent). */
export function problems(fields: Field[], values: Record<string, string>): Record<string, string> {
  const found: Record<string, string> = {};
  for (const f of fillable(fields)) {
    const problem = fieldProblem(f, values[f.name] ?? "");
    if (problem) {
      found[f.name] = problem;
    }
  }
  return found;
}

export const inputId = (name: string) => `fv-${name}`;

/** The field a server refusal names (`field_values[name]`), if it is one of these. */
export function refusedField(field: string, fields: Field[]): string | null {
  const m = /^field_values\[(.+)\]$/.exec(field);
  return m && fields.some((f) => f.name === m[1]) ? m[1] : null;
}

interface Props {
  fields: Field[];
  documents: Document[];
  values: Record<string, string>;
  errors: Record<string, string>;
  onChange: (name: string, value: string) => void;
  onFocusField: (f: Field) => void;
}

export function FieldsForm(props: Props) {
  const shown = fillable(props.fields);
  if (shown.length === 0) {
    return null;
  }
  const several = props.documents.length > 1;
  const where = (f: Field) => {
    const place = f.page === 0 ? t("fieldEveryPage") : t("fieldPage", { n: f.page });
    const file = props.documents.find((d) => d.documentId === f.documentId)?.fileName ?? "";
    return several ? `${file}・${place}` : place;
  };
  return (
    <fieldset class="fields" id="signer-fields">
      <legend>{t("fieldsTitle")}</legend>
      <p class="hint">{t("fieldsIntro")}</p>
      {shown.map((f) => {
        const id = inputId(f.name);
        const value = props.values[f.name] ?? "";
        const error = props.errors[f.name];
        const hintId = `${id}-hint`;
        const errorId = `${id}-error`;
        const describedBy = [hintId, error ? errorId : ""].filter(Boolean).join(" ");
        const common = {
          id, name: f.name, disabled: f.readOnly, "aria-invalid": error ? ("true" as const) : undefined, "aria-describedby": describedBy,
          "aria-required": f.required && !f.readOnly ? ("true" as const) : undefined, onFocus: () => props.onFocusField(f),
        };
        const mark = f.required && !f.readOnly && <span class="req">{`（${ft("required")}）`}</span>;
        const limit = f.type === FieldType.TEXT ? t("fieldMaxLength", { n: f.maxLength || defaultMaxLength })
          : f.type === FieldType.INITIALS ? t("fieldMaxLength", { n: maxInitialsLength }) : "";
        const hint = [typeName(f.type), where(f), limit, f.readOnly ? t("fieldReadOnly") : ""].filter(Boolean).join(" / ");
        const input = (e: Event) => props.onChange(f.name, (e.target as HTMLInputElement).value);
        return (
          <div class="field-input" key={f.name} data-field={f.name}>
            {f.type === FieldType.CHECKBOX ? (
              <label class="check">
                <input type="checkbox" {...common} checked={value === "true"}
                  onChange={(e) => props.onChange(f.name, (e.target as HTMLInputElement).checked ? "true" : "false")} />
                <span>{caption(f)}{mark}</span>
              </label>
            ) : (
              <label for={id}>{caption(f)}{mark}</label>
            )}
            {f.type === FieldType.TEXT && <input type="text" {...common} maxLength={f.maxLength || defaultMaxLength} value={value} onInput={input} />}
            {f.type === FieldType.INITIALS && <input type="text" {...common} maxLength={maxInitialsLength} value={value} onInput={input} />}
            {f.type === FieldType.DATE && <input type="date" {...common} min="1900-01-01" value={value} onInput={input} />}
            {f.type === FieldType.DROPDOWN && (
              <select {...common} value={value} onChange={(e) => props.onChange(f.name, (e.target as HTMLSelectElement).value)}>
                <option value="">{ft("choose")}</option>
                {f.options.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            )}
            <p class="hint" id={hintId}>{hint}</p>
            {error && <p class="field-error" id={errorId}>{error}</p>}
          </div>
        );
      })}
    </fieldset>
  );
}
