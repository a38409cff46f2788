using System.Globalization;
using System.Text.RegularExpressions;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Signing.V1;
using Google.Protobuf;
using EnvelopeStatus = GmoSign.Grains.EnvelopeStatus;

namespace GmoSign.Signing;

/// <summary>
/// How a template becomes envelopes — for one call (CreateEnvelopeFromTemplate) and for every row of a bulk send: the
/// people for the roles and the merge values checked (<see cref="CheckAsync"/>), then the draft made (<see cref="MakeAsync"/>).
/// </summary>
internal sealed partial class TemplateEnvelopes(IGrainFactory grains, EnvelopeRequests requests)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    [GeneratedRegex(@"\{\{([^{}]*)\}\}")]
    public static partial Regex Placeholder();

    public const int DefaultMergeLength = 200;

    /// <summary>Text from the request quoted in a refusal, shortened: a refusal must fit in the response trailers.</summary>
    public static string Short(string text) => text.Length <= 50 && !text.Any(char.IsControl) ? text : string.Concat(text.Where(c => !char.IsControl(c)).Take(50)) + "…";

    public static TemplateDefinition Definition(TemplateRecord template) => Parser.Parse<TemplateDefinition>(template.DefinitionJson);

    /// <summary>
    /// The checks of <see cref="MakeAsync"/> without making anything: the merge values, the people for the roles and the
    /// envelope they make (refusals name <c>merge_values[…]</c> and <c>recipients[&lt;role&gt;]…</c>).
    /// </summary>
    public async Task CheckAsync(Caller caller, TemplateRecord template, IReadOnlyList<RoleAssignment> people,
        IReadOnlyDictionary<string, string> mergeValues, string titleOverride, CancellationToken ct)
    {
        var definition = Definition(template);
        var values = MergeValues(definition, mergeValues);
        var create = EnvelopeRequestFor(definition, people, values, titleOverride);
        await Rebased(() => requests.DraftAsync(caller, create, ct), RoleFieldNames(definition));
        PlaceFields(definition, template.Documents, values);
    }

    /// <summary>
    /// The template's fields with these merge values, placed on its documents by the envelope's rules, before anything is
    /// made: a value that breaks a field's rule (too long, not a date, …) is refused naming the merge field it came from —
    /// or, checking a definition with sample values (<paramref name="blameMergeValues"/> false), naming the field's value.
    /// Other refusals name the definition's field (<c>definition.fields[i].role_label</c>).
    /// </summary>
    public static void PlaceFields(TemplateDefinition definition, IReadOnlyList<TemplateDocumentRef> documents, IReadOnlyDictionary<string, string> values,
        bool blameMergeValues = true)
    {
        var documentIds = documents.Select((_, i) => EnvelopeRequests.IdFor(Guid.Empty, "template-document", i.ToString(CultureInfo.InvariantCulture))).ToList();
        var specs = definition.Fields.Select(f => FieldSpecOf(f, documentIds[Math.Clamp(f.DocumentIndex, 0, documentIds.Count - 1)], Merge(f.Value, values))).ToList();
        var fieldDocuments = documents.Select((d, i) => new FieldDocument(documentIds[i], d.FileName, d.Pages)).ToList();
        var roles = definition.Roles.Select(r => new FieldRecipient(Guid.NewGuid(), r.Label, r.Role == RecipientRole.CarbonCopy)).ToList();
        Rebase(() => FieldRules.Place(specs, fieldDocuments, roles), name =>
        {
            var match = Regex.Match(name, @"^fields\[(\d+)\](.*)$");
            if (!match.Success)
            {
                return name;
            }
            var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (blameMergeValues && match.Groups[2].Value == ".value" && Placeholder().Match(definition.Fields[index].Value) is { Success: true } placeholder)
            {
                return $"merge_values[{placeholder.Groups[1].Value}]";
            }
            return "definition." + name.Replace(".recipient_label", ".role_label", StringComparison.Ordinal)
                .Replace(".document_id", ".document_index", StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// A draft from a template version: the envelope (its id derived from the request id and <paramref name="idKind"/>), the
    /// template's documents (their content shared, not copied) and the fields — each step idempotent, so a retry after a failure part-way finishes the
    /// same draft. Bulk send makes its envelopes the same way.
    /// </summary>
    public async Task<EnvelopeView> MakeAsync(Caller caller, TemplateRecord template, IReadOnlyList<RoleAssignment> people,
        IReadOnlyDictionary<string, string> mergeValues, string titleOverride, string requestId, string idKind, CancellationToken ct)
    {
        var definition = Definition(template);
        var values = MergeValues(definition, mergeValues);
        var create = EnvelopeRequestFor(definition, people, values, titleOverride);
        create.RequestId = requestId;
        var (_, draft) = await Rebased(() => requests.DraftAsync(caller, create, ct), RoleFieldNames(definition));
        PlaceFields(definition, template.Documents, values);
        // An id of its own kind per way of making envelopes: a request id a client reuses elsewhere (CreateEnvelope, another
        // template call, a bulk row) can never land on this envelope.
        var envelopeId = EnvelopeRequests.IdFor(caller.RequireTenant(), idKind, requestId);
        var grain = grains.Reference<IEnvelopeGrain>(envelopeId);
        var envelope = await grain.CreateAsync(WithTemplate(draft, template));
        if (envelope.Status != EnvelopeStatus.Draft)
        {
            return envelope; // a retry after the sender already sent it
        }
        var actor = EnvelopeRequests.ActorOf(caller);
        var documentIds = new List<Guid>();
        foreach (var (document, index) in template.Documents.Select((x, i) => (x, i)))
        {
            var documentId = EnvelopeRequests.IdFor(envelopeId, "template-document", index.ToString(CultureInfo.InvariantCulture));
            documentIds.Add(documentId);
            envelope = await grain.AddDocumentAsync(tenantId: envelope.TenantId, new NewDocument(documentId, document.ContentId, document.FileName,
                document.SizeBytes, Convert.FromHexString(document.Sha256), $"template:{index}"), actor);
        }
        if (definition.Fields.Count > 0)
        {
            var fields = definition.Fields.Select(f => FieldSpecOf(f, documentIds[f.DocumentIndex], Merge(f.Value, values))).ToList();
            envelope = await grain.SetFieldsAsync(envelope.TenantId, fields, actor, "template:fields");
        }
        return envelope;
    }

    private static EnvelopeDraft WithTemplate(EnvelopeDraft draft, TemplateRecord template) =>
        draft with { TemplateId = template.TemplateId, TemplateVersion = template.Version };

    /// <summary>The merge values for an envelope: only declared names, each of its type, required ones given (or defaulted).</summary>
    public static Dictionary<string, string> MergeValues(TemplateDefinition definition, IReadOnlyDictionary<string, string> given)
    {
        foreach (var name in given.Keys)
        {
            if (definition.MergeFields.All(m => m.Name != name))
            {
                throw DomainException.Invalid($"merge_values[{Short(name)}]", "is not a merge field of the template", "テンプレートの差し込み項目ではありません");
            }
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in definition.MergeFields)
        {
            var at = $"merge_values[{m.Name}]";
            var value = given.TryGetValue(m.Name, out var v) && v.Length > 0 ? v : m.DefaultValue;
            if (value.Length == 0)
            {
                if (m.Required)
                {
                    throw DomainException.Required(at);
                }
                values[m.Name] = "";
                continue;
            }
            values[m.Name] = MergeValue(m, value, at);
        }
        return values;
    }

    public static string MergeValue(MergeField m, string value, string at)
    {
        if (value.Any(char.IsControl))
        {
            throw DomainException.Invalid(at, "must be one line without control characters", "改行や制御文字は使えません");
        }
        switch (m.Type)
        {
            case MergeFieldType.Number:
                return FieldRules.Amount(value) is not null ? value : throw DomainException.Invalid(at, "must be a number (digits, commas allowed, at most 10^15)", "数値（数字、カンマ可、10^15以下）で指定してください");
            case MergeFieldType.Date:
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? value
                    : throw DomainException.Invalid(at, "must be a date YYYY-MM-DD", "日付（YYYY-MM-DD）で指定してください");
            default:
                var max = m.MaxLength == 0 ? DefaultMergeLength : m.MaxLength;
                return value.Length <= max ? value : throw DomainException.TooLong(at, max);
        }
    }

    public static string Merge(string text, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(text, match => values.TryGetValue(match.Groups[1].Value, out var v) ? v : match.Value);

    /// <summary>The CreateEnvelope request a template makes with these people and merge values (roles in the template's order).</summary>
    public static CreateEnvelopeRequest EnvelopeRequestFor(TemplateDefinition definition, IReadOnlyList<RoleAssignment> people,
        IReadOnlyDictionary<string, string> values, string titleOverride)
    {
        var byLabel = new Dictionary<string, RoleAssignment>(StringComparer.Ordinal);
        foreach (var (person, i) in people.Select((p, i) => (p, i)))
        {
            if (definition.Roles.All(r => r.Label != person.RoleLabel))
            {
                throw DomainException.Invalid($"recipients[{i}].role_label", $"'{Short(person.RoleLabel)}' is not a role of the template", $"「{Short(person.RoleLabel)}」はテンプレートの役割ではありません");
            }
            if (!byLabel.TryAdd(person.RoleLabel, person))
            {
                throw DomainException.Invalid($"recipients[{i}].role_label", $"'{Short(person.RoleLabel)}' is given twice", $"「{Short(person.RoleLabel)}」が重複しています");
            }
        }
        var create = new CreateEnvelopeRequest
        {
            Title = titleOverride.Length > 0 ? titleOverride : Merge(definition.Title, values),
            Message = Merge(definition.Message, values),
            ApproverUserIds = { definition.ApproverUserIds },
            Retention = definition.Retention,
            AllowReassign = definition.AllowReassign,
            ExpiryDays = definition.ExpiryDays,
            ReminderDaysBeforeExpiry = { definition.ReminderDaysBeforeExpiry },
            ReminderEveryDays = definition.ReminderEveryDays,
            RemindersOff = definition.RemindersOff,
            Steps = { definition.Steps },
        };
        foreach (var role in definition.Roles)
        {
            byLabel.TryGetValue(role.Label, out var person);
            if (person is null && role.DefaultEmail.Length == 0)
            {
                throw DomainException.Invalid($"recipients[{role.Label}]", $"the role '{role.Label}' needs a person", $"役割「{role.Label}」の担当者を指定してください");
            }
            if (role.AccessCodeRequired && string.IsNullOrEmpty(person?.AccessCode))
            {
                throw DomainException.Invalid($"recipients[{role.Label}].access_code", "the template requires an access code for this role", "この役割にはアクセスコードが必要です");
            }
            create.Recipients.Add(new RecipientInput
            {
                Label = role.Label,
                Name = person?.Name is { Length: > 0 } name ? name : role.DefaultName,
                Email = person?.Email is { Length: > 0 } email ? email : role.DefaultEmail,
                UserId = person?.UserId ?? "",
                AccessCode = person?.AccessCode ?? "",
                Role = role.Role,
                Step = role.Step,
                SignatureType = role.SignatureType,
            });
        }
        return create;
    }

    public static FieldSpec FieldSpecOf(TemplateField f, Guid documentId, string value) => new(f.Name, documentId, null, f.RoleLabel,
        (FieldKind)f.Type, f.Page, f.Rect.X, f.Rect.Y, f.Rect.Width, f.Rect.Height, f.Required, f.MaxLength, [.. f.Options],
        value.Length == 0 ? null : value, f.ReadOnly, f.DateFormat.Length == 0 ? null : f.DateFormat, (GmoSign.Grains.FieldMapping)f.MapsTo,
        f.Label.Length == 0 ? null : f.Label);

    /// <summary>How a CreateEnvelope refusal's field reads for an envelope made from a template (<c>recipients[0].email</c> → <c>recipients[甲].email</c>).</summary>
    public static Func<string, string> RoleFieldNames(TemplateDefinition definition) => name =>
    {
        var match = Regex.Match(name, @"^recipients\[(\d+)\](.*)$");
        return match.Success && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is var i && i < definition.Roles.Count
            ? $"recipients[{definition.Roles[i].Label}]{match.Groups[2].Value}"
            : name;
    };

    public static async Task<T> Rebased<T>(Func<Task<T>> action, Func<string, string> rename)
    {
        try
        {
            return await action();
        }
        catch (DomainException ex) when (ex.Field is { } field && rename(field) is var renamed && renamed != field)
        {
            throw Renamed(ex, field, renamed);
        }
    }

    public static void Rebase(Action action, Func<string, string> rename)
    {
        try
        {
            action();
        }
        catch (DomainException ex) when (ex.Field is { } field && rename(field) is var renamed && renamed != field)
        {
            throw Renamed(ex, field, renamed);
        }
    }

    public static DomainException Renamed(DomainException ex, string field, string renamed) =>
        new(ex.Kind, ex.Reason, ex.English.Replace(field, renamed, StringComparison.Ordinal), ex.Japanese.Replace(field, renamed, StringComparison.Ordinal), renamed)
        {
            Metadata = ex.Metadata,
        };

}
