// Templates: the tenant's list, saving a draft envelope as a template (its documents and fields, with roles in place of
// people and merge fields), a template's definition, archiving, and making a draft envelope from it (a person per role,
// a value per merge field) that the sender checks and sends from its page.
import { useEffect, useRef, useState } from "preact/hooks";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { RecipientRole, SigningService, type Envelope } from "../gen/gmosign/signing/v1/signing_pb";
import {
  MergeFieldType, TemplateService,
  type Template, type TemplateFieldSchema, type TemplateSummary,
} from "../gen/gmosign/signing/v1/templates_pb";
import { client, failure, requestId, withRetry } from "../lib/rpc";
import { formatBytes, formatDateTime } from "../lib/i18n";
import { Busy, Notice } from "../lib/ui";
import { usePagedList } from "./paging";
import { guarded, navigate, t } from "./shared";

const signing = client(SigningService);
const templates = client(TemplateService);

const value = (e: Event) => (e.target as HTMLInputElement).value;
const checked = (e: Event) => (e.target as HTMLInputElement).checked;

export const mergeTypeText = (type: MergeFieldType) =>
  type === MergeFieldType.NUMBER ? t("mergeNumber") : type === MergeFieldType.DATE ? t("mergeDate") : t("mergeText");

function Link(props: { href: string; children: preact.ComponentChildren; id?: string; class?: string }) {
  return <a href={props.href} id={props.id} class={props.class} onClick={(e) => { e.preventDefault(); navigate(props.href); }}>{props.children}</a>;
}

// ------------------------------------------------------------------ list

export function TemplateList() {
  const [includeArchived, setIncludeArchived] = useState(false);
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const { rows, error, restart, pager } = usePagedList<TemplateSummary>(
    (pageToken) => templates.listTemplates({ includeArchived, nameContains: query, pageSize: 20, pageToken })
      .then((r) => ({ rows: r.templates, next: r.nextPageToken })),
    [includeArchived, query]);

  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">{t("templates")}</h1>
      <p class="hint">{t("templatesHint")}</p>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); setQuery(search.trim()); restart(); }}>
        <div class="grow">
          <label for="template-search">{t("searchName")}</label>
          <input id="template-search" type="search" maxLength={100} value={search} onInput={(e) => setSearch(value(e))} />
        </div>
        <button type="submit" class="secondary" id="template-search-go">{t("search")}</button>
        <label class="check"><input type="checkbox" id="show-archived" checked={includeArchived}
          onChange={(e) => { setIncludeArchived(checked(e)); restart(); }} /><span>{t("showArchived")}</span></label>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {rows === null ? <p class="loading">{t("loading")}</p> : rows.length === 0 ? <p id="no-templates">{t("noTemplates")}</p> : (
        <div class="table-wrap">
          <table id="templates">
            <thead><tr><th scope="col">{t("colName")}</th><th scope="col">{t("colVersion")}</th><th scope="col">{t("colUpdated")}</th><th scope="col">{t("colStatus")}</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.templateId} data-template={r.name} data-template-id={r.templateId}>
                  <td><Link href={`/app/templates/${r.templateId}`}>{r.name}</Link>{r.description && <div class="hint">{r.description}</div>}</td>
                  <td>{r.version}</td>
                  <td>{r.updatedAt ? formatDateTime(timestampDate(r.updatedAt)) : ""}</td>
                  <td>{r.archived && <span class="badge">{t("archived")}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pager()}
    </section>
  );
}

// ------------------------------------------------------------------ saving a draft as a template

interface RoleRow {
  key: number;
  /** The draft's recipient this role stands for (its fields follow the role), or "" for a role added here. */
  recipientId: string;
  label: string;
  role: RecipientRole;
  step: number;
  accessCodeRequired: boolean;
  defaultName: string;
  defaultEmail: string;
}

interface MergeRow {
  key: number;
  name: string;
  label: string;
  type: MergeFieldType;
  required: boolean;
  defaultValue: string;
}

let keys = 0;
const newMerge = (): MergeRow => ({ key: ++keys, name: "", label: "", type: MergeFieldType.TEXT, required: true, defaultValue: "" });

/** The merge field names written as {{name}} in a text, in order, once each. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^{}\s]{1,50})\s*\}\}/g)].map((m) => m[1]))];
}

type TemplateFieldInit = MessageInitShape<typeof TemplateFieldSchema>;

export function NewTemplate(props: { sourceEnvelopeId: string }) {
  const [draft, setDraft] = useState<Envelope | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [roles, setRoles] = useState<RoleRow[]>([]);
  const [merges, setMerges] = useState<MergeRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const id = useRef(requestId());

  useEffect(() => {
    guarded(() => withRetry(() => signing.getEnvelope({ envelopeId: props.sourceEnvelopeId }))).then((r) => {
      const e = r.envelope!;
      setDraft(e);
      setName(e.title);
      setTitle(e.title);
      setMessage(e.message);
      setRoles(e.recipients.map((p, i) => ({
        key: ++keys, recipientId: p.recipientId, label: p.label || `${p.role === RecipientRole.CARBON_COPY ? t("roleCopy") : t("roleSigner")}${i + 1}`,
        role: p.role, step: p.step, accessCodeRequired: p.hasAccessCode, defaultName: "", defaultEmail: "",
      })));
    }).catch((e) => setError(failure(e).message));
  }, [props.sourceEnvelopeId]);

  // Merge fields written in the title or message get a row of their own as they are typed.
  useEffect(() => {
    const named = placeholders(`${title}\n${message}`).filter((n) => !merges.some((m) => m.name === n));
    if (named.length > 0) {
      setMerges([...merges.filter((m) => m.name !== ""), ...named.map((n) => ({ ...newMerge(), name: n }))]);
    }
  }, [title, message]);

  const updateRole = (key: number, change: Partial<RoleRow>) => setRoles(roles.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const updateMerge = (key: number, change: Partial<MergeRow>) => setMerges(merges.map((m) => (m.key === key ? { ...m, ...change } : m)));

  if (!draft) {
    return error ? <Notice kind="error">{error}</Notice> : <p class="loading">{t("loading")}</p>;
  }

  // The draft's fields, with the role that stands for their recipient (fields of a removed role are left out).
  const fields: TemplateFieldInit[] = draft.fields.flatMap((f) => {
    const role = roles.find((r) => r.recipientId === f.recipientId);
    const documentIndex = draft.documents.findIndex((d) => d.documentId === f.documentId);
    return role && documentIndex >= 0 ? [{
      name: f.name, documentIndex, roleLabel: role.label.trim(), type: f.type, page: f.page, rect: f.rect, required: f.required,
      maxLength: f.maxLength, options: f.options, value: f.value, readOnly: f.readOnly, dateFormat: f.dateFormat, mapsTo: f.mapsTo, label: f.label,
    }] : [];
  });

  const submit = async () => {
    setError("");
    if (!roles.some((r) => r.role === RecipientRole.SIGNER)) {
      setError(t("needRole"));
      return;
    }
    setBusy(true);
    try {
      const created = await guarded(() => withRetry(() => templates.createTemplate({
        requestId: id.current,
        name: name.trim(),
        description: description.trim(),
        sourceEnvelopeId: draft.envelopeId,
        definition: {
          title: title.trim(),
          message: message.trim(),
          roles: roles.map((r) => ({
            label: r.label.trim(), role: r.role, step: r.step, accessCodeRequired: r.accessCodeRequired,
            defaultName: r.defaultName.trim(), defaultEmail: r.defaultEmail.trim(),
          })),
          steps: draft.steps.filter((s) => roles.some((r) => r.step === s.step)),
          approverUserIds: draft.approverUserIds,
          retention: { documentType: draft.retention?.documentType ?? "", tags: draft.retention?.tags ?? [] },
          allowReassign: draft.allowReassign,
          expiryDays: draft.expiryDays,
          reminderDaysBeforeExpiry: draft.reminderDaysBeforeExpiry,
          reminderEveryDays: draft.reminderEveryDays,
          mergeFields: merges.filter((m) => m.name.trim()).map((m) => ({
            name: m.name.trim(), label: m.label.trim(), type: m.type, required: m.required, defaultValue: m.defaultValue.trim(),
          })),
          fields,
        },
      })));
      navigate(`/app/templates/${created.template!.templateId}`);
    } catch (e) {
      setError(t("failed", { message: failure(e).message }));
      // A refused definition can be corrected and saved again as a new attempt.
      id.current = requestId();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-template" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-labelledby="new-template-title">
      <p><Link href={`/app/envelopes/${draft.envelopeId}`}>{draft.title}</Link></p>
      <h1 id="new-template-title">{t("newTemplateTitle")}</h1>
      <section class="card">
        <p class="hint" id="template-source">{t("newTemplateFrom", { title: draft.title, n: draft.documents.length })}</p>
        <label for="template-name">{t("templateName")}</label>
        <input id="template-name" required maxLength={100} value={name} onInput={(e) => setName(value(e))} />
        <label for="template-description">{t("description")}</label>
        <textarea id="template-description" maxLength={1000} rows={2} value={description} onInput={(e) => setDescription(value(e))} />
        <p class="hint" id="merge-hint">{t("mergeHint")}</p>
        <label for="template-title">{t("title")}</label>
        <input id="template-title" required maxLength={200} value={title} onInput={(e) => setTitle(value(e))} aria-describedby="merge-hint" />
        <label for="template-message">{t("message")}</label>
        <textarea id="template-message" maxLength={2000} rows={3} value={message} onInput={(e) => setMessage(value(e))} aria-describedby="merge-hint" />
      </section>

      <section class="card" aria-labelledby="roles-title">
        <h2 id="roles-title">{t("roles")}</h2>
        <p class="hint">{t("rolesHint")}</p>
        {roles.map((r, i) => (
          <fieldset key={r.key} class="recipient" data-role={i + 1}>
            <legend>{t("roleN", { n: i + 1 })}</legend>
            <div class="row">
              <div><label for={`role${r.key}-label`}>{t("roleLabel")}</label>
                <input id={`role${r.key}-label`} required maxLength={50} value={r.label} onInput={(e) => updateRole(r.key, { label: value(e) })} /></div>
              <div><label for={`role${r.key}-kind`}>{t("roleKind")}</label>
                <select id={`role${r.key}-kind`} value={r.role} onChange={(e) => updateRole(r.key, { role: Number(value(e)) })}>
                  <option value={RecipientRole.SIGNER}>{t("roleSigner")}</option>
                  <option value={RecipientRole.CARBON_COPY}>{t("roleCopy")}</option>
                </select></div>
              <div><label for={`role${r.key}-step`}>{t("stepNo")}</label>
                <input id={`role${r.key}-step`} type="number" min={1} max={20} required value={r.step} onInput={(e) => updateRole(r.key, { step: Number(value(e)) || 1 })} /></div>
            </div>
            <div class="row">
              <div><label for={`role${r.key}-name`}>{t("defaultName")}</label>
                <input id={`role${r.key}-name`} maxLength={100} value={r.defaultName} onInput={(e) => updateRole(r.key, { defaultName: value(e) })} /></div>
              <div><label for={`role${r.key}-email`}>{t("defaultEmail")}</label>
                <input id={`role${r.key}-email`} type="email" maxLength={254} value={r.defaultEmail} onInput={(e) => updateRole(r.key, { defaultEmail: value(e) })} /></div>
            </div>
            <label class="check"><input type="checkbox" id={`role${r.key}-code`} checked={r.accessCodeRequired} onChange={(e) => updateRole(r.key, { accessCodeRequired: checked(e) })} />
              <span>{t("accessCodeRequired")}</span></label>
            {roles.length > 1 && <button type="button" class="link" onClick={() => setRoles(roles.filter((x) => x.key !== r.key))}>{t("remove")}</button>}
          </fieldset>
        ))}
        <button type="button" class="secondary" id="add-role" onClick={() => setRoles([...roles, {
          key: ++keys, recipientId: "", label: "", role: RecipientRole.SIGNER, step: Math.max(1, ...roles.map((r) => r.step)) + 1,
          accessCodeRequired: false, defaultName: "", defaultEmail: "",
        }])}>{t("addRole")}</button>
        {fields.length > 0 && <p class="hint" id="fields-kept">{t("templateFieldsKept", { n: fields.length })}</p>}
      </section>

      <section class="card" aria-labelledby="merge-title">
        <h2 id="merge-title">{t("mergeFields")}</h2>
        {merges.length === 0 && <p class="hint">{t("noMergeFields")}</p>}
        {merges.map((m, i) => (
          <fieldset key={m.key} class="recipient" data-merge={m.name || i + 1}>
            <legend>{t("mergeFieldN", { n: i + 1 })}</legend>
            <div class="row">
              <div><label for={`merge${m.key}-name`}>{t("mergeName")}</label>
                <input id={`merge${m.key}-name`} required maxLength={50} value={m.name} onInput={(e) => updateMerge(m.key, { name: value(e) })} /></div>
              <div><label for={`merge${m.key}-label`}>{t("mergeLabel")}</label>
                <input id={`merge${m.key}-label`} maxLength={100} value={m.label} onInput={(e) => updateMerge(m.key, { label: value(e) })} /></div>
              <div><label for={`merge${m.key}-type`}>{t("mergeType")}</label>
                <select id={`merge${m.key}-type`} value={m.type} onChange={(e) => updateMerge(m.key, { type: Number(value(e)) })}>
                  <option value={MergeFieldType.TEXT}>{t("mergeText")}</option>
                  <option value={MergeFieldType.NUMBER}>{t("mergeNumber")}</option>
                  <option value={MergeFieldType.DATE}>{t("mergeDate")}</option>
                </select></div>
              <div><label for={`merge${m.key}-default`}>{t("mergeDefault")}</label>
                <input id={`merge${m.key}-default`} maxLength={500} value={m.defaultValue} onInput={(e) => updateMerge(m.key, { defaultValue: value(e) })} /></div>
            </div>
            <label class="check"><input type="checkbox" id={`merge${m.key}-required`} checked={m.required} onChange={(e) => updateMerge(m.key, { required: checked(e) })} />
              <span>{t("fieldRequired")}</span></label>
            <button type="button" class="link" onClick={() => setMerges(merges.filter((x) => x.key !== m.key))}>{t("remove")}</button>
          </fieldset>
        ))}
        <button type="button" class="secondary" id="add-merge" onClick={() => setMerges([...merges, newMerge()])}>{t("addMergeField")}</button>
      </section>

      {error && <Notice kind="error" id="template-error">{error}</Notice>}
      <div class="buttons">
        <Busy busy={busy} type="submit" id="save-template">{t("saveTemplate")}</Busy>
      </div>
    </form>
  );
}

// ------------------------------------------------------------------ one template

interface Person {
  name: string;
  email: string;
  accessCode: string;
}

export function TemplateDetail(props: { templateId: string }) {
  const [template, setTemplate] = useState<Template | null>(null);
  const [error, setError] = useState("");
  const [people, setPeople] = useState<Record<string, Person>>({});
  const [values, setValues] = useState<Record<string, string>>({});
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState("");
  const createId = useRef(requestId());

  const load = async () => {
    try {
      const got = await guarded(() => withRetry(() => templates.getTemplate({ templateId: props.templateId })));
      setTemplate(got.template!);
      setValues(Object.fromEntries(got.template!.definition!.mergeFields.map((m) => [m.name, m.defaultValue])));
    } catch (e) {
      setError(failure(e).message);
    }
  };
  useEffect(() => {
    void load();
  }, [props.templateId]);

  if (!template) {
    return error ? <Notice kind="error">{error}</Notice> : <p class="loading">{t("loading")}</p>;
  }
  const definition = template.definition!;
  const person = (label: string): Person => people[label] ?? { name: "", email: "", accessCode: "" };
  const setPerson = (label: string, change: Partial<Person>) => setPeople({ ...people, [label]: { ...person(label), ...change } });

  const archive = async () => {
    setBusy(true);
    setFormError("");
    try {
      const r = await guarded(() => withRetry(() => templates.archiveTemplate({ templateId: template.templateId })));
      setTemplate(r.template!);
    } catch (e) {
      setFormError(t("failed", { message: failure(e).message }));
    } finally {
      setBusy(false);
    }
  };

  const create = async () => {
    setBusy(true);
    setFormError("");
    try {
      const created = await guarded(() => withRetry(() => templates.createEnvelopeFromTemplate({
        requestId: createId.current,
        templateId: template.templateId,
        version: template.version,
        title: title.trim(),
        // Roles with a default person may be left empty: the template's person is used.
        recipients: definition.roles.filter((r) => person(r.label).name.trim() || person(r.label).email.trim() || !r.defaultEmail).map((r) => ({
          roleLabel: r.label, name: person(r.label).name.trim(), email: person(r.label).email.trim(), accessCode: person(r.label).accessCode.trim(),
        })),
        mergeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v !== "")),
      })));
      navigate(`/app/envelopes/${created.envelope!.envelopeId}`);
    } catch (e) {
      setFormError(t("failed", { message: failure(e).message }));
      createId.current = requestId();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="detail template-detail" data-template-id={template.templateId}>
      <p><Link href="/app/templates">{t("backTemplates")}</Link></p>
      <section class="card" aria-labelledby="template-title">
        <h1 id="template-title">{template.name}</h1>
        <p>
          <span class="badge" id="template-version">{t("templateVersion", { n: template.version })}</span>
          {template.archived && <> <span class="badge e-voided" id="template-archived">{t("archived")}</span></>}
        </p>
        {template.description && <p class="message">{template.description}</p>}
        <dl class="facts">
          <dt>{t("updatedAt")}</dt><dd>{template.updatedAt ? formatDateTime(timestampDate(template.updatedAt)) : ""}</dd>
          <dt>{t("title")}</dt><dd id="template-def-title">{definition.title}</dd>
          {definition.message && (<><dt>{t("message")}</dt><dd class="message">{definition.message}</dd></>)}
          <dt>{t("templateDocuments")}</dt>
          <dd><ul class="documents">{template.documents.map((d) => (
            <li key={d.index}><span class="name">{d.fileName}</span><span class="size">{t("pagesN", { n: d.pages })} · {formatBytes(Number(d.sizeBytes))}</span></li>
          ))}</ul></dd>
        </dl>
        {!template.archived && (
          <div class="buttons">
            <Link href={`/app/bulk?template=${template.templateId}`} id="bulk-with-template" class="button secondary">{t("bulkFromTemplate")}</Link>
            <Busy busy={busy} kind="danger" id="archive-template" onClick={() => void archive()}>{t("archive")}</Busy>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="template-roles-title">
        <h2 id="template-roles-title">{t("roles")}</h2>
        <div class="table-wrap">
          <table id="template-roles">
            <thead><tr><th scope="col">{t("stepNo")}</th><th scope="col">{t("roleLabel")}</th><th scope="col">{t("roleKind")}</th>
              <th scope="col">{t("accessCodeRequired")}</th><th scope="col">{t("defaultPerson")}</th></tr></thead>
            <tbody>
              {definition.roles.map((r) => (
                <tr key={r.label} data-role={r.label}>
                  <td>{r.step}</td><td>{r.label}</td><td>{r.role === RecipientRole.CARBON_COPY ? t("roleCopy") : t("roleSigner")}</td>
                  <td>{r.accessCodeRequired ? t("yes") : t("no")}</td><td>{r.defaultName}{r.defaultEmail && <span class="hint"> {r.defaultEmail}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>{t("mergeFields")}</h2>
        {definition.mergeFields.length === 0 ? <p class="hint">{t("noMergeFields")}</p> : (
          <div class="table-wrap">
            <table id="template-merge-fields">
              <thead><tr><th scope="col">{t("colName")}</th><th scope="col">{t("mergeType")}</th><th scope="col">{t("fieldRequired")}</th><th scope="col">{t("mergeDefault")}</th></tr></thead>
              <tbody>
                {definition.mergeFields.map((m) => (
                  <tr key={m.name} data-merge={m.name}>
                    <td>{`{{${m.name}}}`}{m.label && <span class="hint"> {m.label}</span>}</td><td>{mergeTypeText(m.type)}</td>
                    <td>{m.required ? t("yes") : t("no")}</td><td>{m.defaultValue}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {definition.fields.length > 0 && <p class="hint">{t("fieldsTitle")}: {definition.fields.length}</p>}
      </section>

      {template.archived ? <Notice kind="info" id="archived-notice">{t("archivedNotice")}</Notice> : (
        <form class="card" aria-labelledby="from-template-title" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <h2 id="from-template-title">{t("fromTemplate")}</h2>
          <p class="hint">{t("fromTemplateHint")}</p>
          {definition.roles.map((r) => {
            const optional = r.defaultEmail !== "";
            const id = `p-${definition.roles.indexOf(r)}`;
            return (
              <fieldset key={r.label} class="recipient" data-person-for={r.label}>
                <legend>{t("personFor", { label: r.label })}</legend>
                {optional && <p class="hint">{t("optionalDefault", { name: `${r.defaultName} <${r.defaultEmail}>` })}</p>}
                <div class="row">
                  <div><label for={`${id}-name`}>{t("name")}</label>
                    <input id={`${id}-name`} required={!optional} maxLength={100} value={person(r.label).name} onInput={(e) => setPerson(r.label, { name: value(e) })} /></div>
                  <div><label for={`${id}-email`}>{t("email")}</label>
                    <input id={`${id}-email`} type="email" required={!optional} maxLength={254} value={person(r.label).email} onInput={(e) => setPerson(r.label, { email: value(e) })} /></div>
                  {r.accessCodeRequired && <div><label for={`${id}-code`}>{t("accessCodeFor")}</label>
                    <input id={`${id}-code`} required minLength={4} maxLength={64} autocomplete="off" value={person(r.label).accessCode} onInput={(e) => setPerson(r.label, { accessCode: value(e) })} /></div>}
                </div>
              </fieldset>
            );
          })}
          {definition.mergeFields.length > 0 && (
            <fieldset class="recipient">
              <legend>{t("mergeFields")}</legend>
              <div class="row">
                {definition.mergeFields.map((m, i) => (
                  <div key={m.name}>
                    <label for={`mv-${i}`}>{m.label || m.name}{m.required && <span class="req"> *{t("fieldRequired")}</span>}</label>
                    <input id={`mv-${i}`} data-merge-value={m.name} required={m.required && !m.defaultValue}
                      inputMode={m.type === MergeFieldType.NUMBER ? "numeric" : "text"} placeholder={m.type === MergeFieldType.DATE ? "YYYY-MM-DD" : undefined}
                      maxLength={m.maxLength || 200} value={values[m.name] ?? ""} onInput={(e) => setValues({ ...values, [m.name]: value(e) })} />
                  </div>
                ))}
              </div>
            </fieldset>
          )}
          <label for="from-template-title-override">{t("titleOverride")}</label>
          <input id="from-template-title-override" maxLength={200} value={title} onInput={(e) => setTitle(value(e))} placeholder={definition.title} />
          {formError && <Notice kind="error" id="from-template-error">{formError}</Notice>}
          <div class="buttons">
            <Busy busy={busy} type="submit" id="create-from-template">{t("createDraft")}</Busy>
          </div>
        </form>
      )}
      {template.archived && formError && <Notice kind="error">{formError}</Notice>}
    </div>
  );
}
