using System.Globalization;
using System.Text.RegularExpressions;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Grains.Ports;
using GmoSign.Retention.Contracts;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using EnvelopeStatus = GmoSign.Grains.EnvelopeStatus;
using Grpc.Core;

namespace GmoSign.Signing;

/// <summary>
/// Templates (テンプレート): read and check the request, store it (<see cref="TemplateStore"/>), or make a draft envelope
/// from it. A template's definition is checked with the same rules as an envelope: its roles, routing, settings and
/// retention metadata as a CreateEnvelope request (<see cref="EnvelopeRequests"/>), its fields by <see cref="FieldRules"/>
/// against its own documents — so a template that is saved makes envelopes that are valid.
/// </summary>
internal sealed partial class TemplateGrpcService(
    IGrainFactory grains,
    TemplateStore store,
    EnvelopeRequests requests,
    IDocumentContent contents,
    IPdfSignatures pdf) : TemplateService.TemplateServiceBase
{
    public const int DefaultMergeLength = 200;
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    [GeneratedRegex(@"^[\p{L}\p{N}_-]{1,50}$")]
    private static partial Regex MergeName();

    [GeneratedRegex(@"\{\{([^{}]*)\}\}")]
    private static partial Regex Placeholder();

    public override async Task<CreateTemplateResponse> CreateTemplate(CreateTemplateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var requestId = EnvelopeRequests.OptionalRequestId(request.RequestId);
        var (name, description) = Names(request.Name, request.Description);
        var documents = await DocumentsFromAsync(caller, tenantId, Check.Id(request.SourceEnvelopeId, "source_envelope_id"), context.CancellationToken);
        await CheckDefinitionAsync(caller, request.Definition, documents, context.CancellationToken);
        var record = await store.CreateAsync(tenantId, name, description, Formatter.Format(request.Definition), documents, requestId, caller.DisplayName,
            context.CancellationToken);
        return new CreateTemplateResponse { Template = ToProto(record) };
    }

    public override async Task<UpdateTemplateResponse> UpdateTemplate(UpdateTemplateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var templateId = Check.Id(request.TemplateId, "template_id");
        var requestId = EnvelopeRequests.OptionalRequestId(request.RequestId);
        var (name, description) = Names(request.Name, request.Description);
        var current = await store.GetAsync(tenantId, templateId, 0, context.CancellationToken) ?? throw TemplateStore.NotFound();
        var documents = string.IsNullOrEmpty(request.SourceEnvelopeId)
            ? null
            : await DocumentsFromAsync(caller, tenantId, Check.Id(request.SourceEnvelopeId, "source_envelope_id"), context.CancellationToken);
        await CheckDefinitionAsync(caller, request.Definition, documents ?? current.Documents, context.CancellationToken);
        var record = await store.UpdateAsync(tenantId, templateId, request.ExpectedVersion, name, description, Formatter.Format(request.Definition), documents,
            requestId, caller.DisplayName, context.CancellationToken);
        return new UpdateTemplateResponse { Template = ToProto(record) };
    }

    public override async Task<GetTemplateResponse> GetTemplate(GetTemplateRequest request, ServerCallContext context)
    {
        if (request.Version < 0)
        {
            throw DomainException.Invalid("version", "must be 0 (the latest) or a version number", "0（最新）またはバージョン番号を指定してください");
        }
        var record = await store.GetAsync(context.GetCaller().RequireTenant(), Check.Id(request.TemplateId, "template_id"), request.Version,
            context.CancellationToken) ?? throw TemplateStore.NotFound();
        return new GetTemplateResponse { Template = ToProto(record) };
    }

    public override async Task<ListTemplatesResponse> ListTemplates(ListTemplatesRequest request, ServerCallContext context)
    {
        var size = Paging.Size(request.PageSize, fallback: 50, max: 100);
        var after = Paging.Parse(request.PageToken);
        var nameContains = Check.Optional(request.NameContains, "name_contains", 100);
        var rows = await store.ListAsync(context.GetCaller().RequireTenant(), request.IncludeArchived, nameContains, size + 1, after, context.CancellationToken);
        var response = new ListTemplatesResponse();
        response.Templates.AddRange(rows.Take(size).Select(r => new TemplateSummary
        {
            TemplateId = r.TemplateId.ToString(), Name = r.Name, Description = r.Description, Version = r.Version, Archived = r.ArchivedAt is not null,
            UpdatedAt = r.UpdatedAt.ToTimestamp(),
        }));
        if (rows.Count > size)
        {
            var last = rows[size - 1];
            response.NextPageToken = Paging.Token(last.UpdatedAt, last.TemplateId);
        }
        return response;
    }

    public override async Task<ArchiveTemplateResponse> ArchiveTemplate(ArchiveTemplateRequest request, ServerCallContext context)
    {
        var record = await store.ArchiveAsync(context.GetCaller().RequireTenant(), Check.Id(request.TemplateId, "template_id"), context.CancellationToken);
        return new ArchiveTemplateResponse { Template = ToProto(record) };
    }

    public override async Task<CreateEnvelopeFromTemplateResponse> CreateEnvelopeFromTemplate(CreateEnvelopeFromTemplateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var requestId = Check.RequestId(request.RequestId);
        if (request.Version < 0)
        {
            throw DomainException.Invalid("version", "must be 0 (the latest) or a version number", "0（最新）またはバージョン番号を指定してください");
        }
        var template = await store.GetAsync(tenantId, Check.Id(request.TemplateId, "template_id"), request.Version, context.CancellationToken)
            ?? throw TemplateStore.NotFound();
        var view = await MakeEnvelopeAsync(caller, template, request.Recipients, request.MergeValues, request.Title, requestId, context.CancellationToken);
        return new CreateEnvelopeFromTemplateResponse { Envelope = Mapping.ToProto(view) };
    }

    /// <summary>
    /// A draft from a template version: the envelope (its id derived from the request id), the template's documents (their
    /// content shared, not copied) and the fields — each step idempotent, so a retry after a failure part-way finishes the
    /// same draft. Bulk send makes its envelopes the same way.
    /// </summary>
    public async Task<EnvelopeView> MakeEnvelopeAsync(Caller caller, TemplateRecord template, IReadOnlyList<RoleAssignment> people,
        IReadOnlyDictionary<string, string> mergeValues, string titleOverride, string requestId, CancellationToken ct)
    {
        if (template.Archived)
        {
            throw TemplateStore.Archived();
        }
        var definition = Parser.Parse<TemplateDefinition>(template.DefinitionJson);
        var values = MergeValues(definition, mergeValues);
        var create = EnvelopeRequestFor(definition, people, values, titleOverride);
        create.RequestId = requestId;
        var (envelopeId, draft) = await Rebased(() => requests.DraftAsync(caller, create, ct), RoleFieldNames(definition));
        var grain = grains.GetGrain<IEnvelopeGrain>(envelopeId);
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

    // ------------------------------------------------------------------ checks

    private static (string Name, string Description) Names(string name, string description) =>
        (Check.Required(name, "name", 100), Check.Optional(description, "description", 1000) ?? "");

    /// <summary>The draft's documents, whose content the template shares: the draft must be the caller's tenant's and hold 1.. documents.</summary>
    private async Task<List<TemplateDocumentRef>> DocumentsFromAsync(Caller caller, Guid tenantId, Guid envelopeId, CancellationToken ct)
    {
        EnvelopeView source;
        try
        {
            source = await grains.GetGrain<IEnvelopeGrain>(envelopeId).GetAsync(tenantId);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            throw DomainException.NotFound("Envelope", "封筒", "source_envelope_id");
        }
        if (!source.IsManagedBy(EnvelopeRequests.ActorOf(caller)))
        {
            throw DomainException.Denied("Only the draft's sender or a tenant administrator can make a template of it.",
                "下書きからテンプレートを作成できるのは送信者またはテナント管理者のみです。");
        }
        if (source.Documents.Count == 0)
        {
            throw DomainException.Invalid("source_envelope_id", "the draft has no documents: upload the PDFs to it first", "下書きに文書がありません。先にPDFをアップロードしてください");
        }
        var documents = new List<TemplateDocumentRef>();
        foreach (var d in source.Documents)
        {
            var bytes = await contents.GetAsync(tenantId, d.ContentId, ct) ?? throw new InvalidOperationException($"Content {d.ContentId} is missing.");
            documents.Add(new TemplateDocumentRef(d.FileName, d.ContentId, d.SizeBytes, Convert.ToHexString(d.Sha256), pdf.Pages(bytes)));
        }
        return documents;
    }

    /// <summary>
    /// The definition makes valid envelopes: checked as a CreateEnvelope request with a stand-in person per role (refusals
    /// name <c>definition.roles[i]…</c>), merge fields declared once and used only where declared, fields placed on the
    /// template's documents by the envelope's rules.
    /// </summary>
    private async Task CheckDefinitionAsync(Caller caller, TemplateDefinition? definition, IReadOnlyList<TemplateDocumentRef> documents, CancellationToken ct)
    {
        if (definition is null)
        {
            throw DomainException.Required("definition");
        }
        var merge = new Dictionary<string, MergeField>(StringComparer.Ordinal);
        foreach (var (m, i) in definition.MergeFields.Select((m, i) => (m, i)))
        {
            var at = $"definition.merge_fields[{i}]";
            if (!MergeName().IsMatch(m.Name))
            {
                throw DomainException.Invalid($"{at}.name", "must be 1..50 letters, digits, '_' or '-'", "文字・数字・「_」・「-」の1〜50文字で指定してください");
            }
            if (!merge.TryAdd(m.Name, m))
            {
                throw DomainException.Invalid($"{at}.name", $"'{m.Name}' is declared twice", $"「{m.Name}」が重複しています");
            }
            if (!System.Enum.IsDefined(m.Type))
            {
                throw DomainException.Invalid($"{at}.type", "is not a merge field type", "差し込み項目の種類が正しくありません");
            }
            if (m.MaxLength is < 0 or > 500)
            {
                throw DomainException.Invalid($"{at}.max_length", "must be 0..500", "0〜500で指定してください");
            }
            Check.Optional(m.Label, $"{at}.label", 100);
            if (m.DefaultValue.Length > 0)
            {
                MergeValue(m, m.DefaultValue, $"{at}.default_value");
            }
        }
        foreach (var (text, at) in new[] { (definition.Title, "definition.title"), (definition.Message, "definition.message") }
                     .Concat(definition.Fields.Select((f, i) => (f.Value, $"definition.fields[{i}].value"))))
        {
            foreach (Match match in Placeholder().Matches(text))
            {
                if (!merge.ContainsKey(match.Groups[1].Value))
                {
                    throw DomainException.Invalid(at, $"{match.Value} is not a declared merge field", $"{match.Value} は宣言されていない差し込み項目です");
                }
            }
        }
        if (definition.Roles.Count == 0)
        {
            throw DomainException.Invalid("definition.roles", "need at least one signer", "署名者の役割を1つ以上指定してください");
        }
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (role, i) in definition.Roles.Select((r, i) => (r, i)))
        {
            Check.Required(role.Label, $"definition.roles[{i}].label", 50);
            if (!labels.Add(role.Label))
            {
                throw DomainException.Invalid($"definition.roles[{i}].label", $"'{role.Label}' labels another role", $"「{role.Label}」は他の役割のラベルです");
            }
            if (role.DefaultName.Length > 0 != role.DefaultEmail.Length > 0)
            {
                throw DomainException.Invalid($"definition.roles[{i}].default_email", "give both the default name and e-mail, or neither", "既定の氏名とメールアドレスは両方指定するか、どちらも省略してください");
            }
        }
        // The settings as an envelope would take them, with a stand-in for each role without a default person.
        var samples = merge.Values.ToDictionary(m => m.Name, m => m.Type switch
        {
            MergeFieldType.Number => "1",
            MergeFieldType.Date => "2026-01-01",
            _ => "x",
        });
        var standIns = definition.Roles.Select((r, i) => new RoleAssignment
        {
            RoleLabel = r.Label,
            Name = r.DefaultName.Length > 0 ? r.DefaultName : r.Label,
            Email = r.DefaultEmail.Length > 0 ? r.DefaultEmail : $"role{i + 1}@template.example",
            AccessCode = r.AccessCodeRequired ? "0000" : "",
        }).ToList();
        var create = EnvelopeRequestFor(definition, standIns, samples, "");
        await Rebased(() => requests.DraftAsync(caller, create, ct), DefinitionFieldNames(definition));
        // The fields, on the template's documents and roles.
        var documentIds = documents.Select((_, i) => EnvelopeRequests.IdFor(Guid.Empty, "template-document", i.ToString(CultureInfo.InvariantCulture))).ToList();
        var specs = new List<FieldSpec>();
        foreach (var (f, i) in definition.Fields.Select((f, i) => (f, i)))
        {
            if (f.DocumentIndex < 0 || f.DocumentIndex >= documents.Count)
            {
                throw DomainException.Invalid($"definition.fields[{i}].document_index", $"must be 0..{documents.Count - 1}", $"0〜{documents.Count - 1}で指定してください");
            }
            if (f.Rect is null)
            {
                throw DomainException.Required($"definition.fields[{i}].rect");
            }
            if (f.Type == FieldType.Unspecified)
            {
                throw DomainException.Required($"definition.fields[{i}].type");
            }
            specs.Add(FieldSpecOf(f, documentIds[f.DocumentIndex], Merge(f.Value, samples)));
        }
        var fieldDocuments = documents.Select((d, i) => new FieldDocument(documentIds[i], d.FileName, d.Pages)).ToList();
        var roles = definition.Roles.Select((r, i) => new FieldRecipient(Guid.NewGuid(), r.Label, r.Role == RecipientRole.CarbonCopy)).ToList();
        Rebase(() => FieldRules.Place(specs, fieldDocuments, roles), name => name.StartsWith("fields[", StringComparison.Ordinal)
            ? "definition." + name.Replace(".recipient_label", ".role_label", StringComparison.Ordinal).Replace(".document_id", ".document_index", StringComparison.Ordinal)
            : name);
    }

    /// <summary>The merge values for an envelope: only declared names, each of its type, required ones given (or defaulted).</summary>
    private static Dictionary<string, string> MergeValues(TemplateDefinition definition, IReadOnlyDictionary<string, string> given)
    {
        foreach (var name in given.Keys)
        {
            if (definition.MergeFields.All(m => m.Name != name))
            {
                throw DomainException.Invalid($"merge_values[{name}]", "is not a merge field of the template", "テンプレートの差し込み項目ではありません");
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

    private static string MergeValue(MergeField m, string value, string at)
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

    private static string Merge(string text, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(text, match => values.TryGetValue(match.Groups[1].Value, out var v) ? v : match.Value);

    /// <summary>The CreateEnvelope request a template makes with these people and merge values (roles in the template's order).</summary>
    private static CreateEnvelopeRequest EnvelopeRequestFor(TemplateDefinition definition, IReadOnlyList<RoleAssignment> people,
        IReadOnlyDictionary<string, string> values, string titleOverride)
    {
        var byLabel = new Dictionary<string, RoleAssignment>(StringComparer.Ordinal);
        foreach (var (person, i) in people.Select((p, i) => (p, i)))
        {
            if (definition.Roles.All(r => r.Label != person.RoleLabel))
            {
                throw DomainException.Invalid($"recipients[{i}].role_label", $"'{person.RoleLabel}' is not a role of the template", $"「{person.RoleLabel}」はテンプレートの役割ではありません");
            }
            if (!byLabel.TryAdd(person.RoleLabel, person))
            {
                throw DomainException.Invalid($"recipients[{i}].role_label", $"'{person.RoleLabel}' is given twice", $"「{person.RoleLabel}」が重複しています");
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

    private static FieldSpec FieldSpecOf(TemplateField f, Guid documentId, string value) => new(f.Name, documentId, null, f.RoleLabel,
        (FieldKind)f.Type, f.Page, f.Rect.X, f.Rect.Y, f.Rect.Width, f.Rect.Height, f.Required, f.MaxLength, [.. f.Options],
        value.Length == 0 ? null : value, f.ReadOnly, f.DateFormat.Length == 0 ? null : f.DateFormat, (GmoSign.Grains.FieldMapping)f.MapsTo,
        f.Label.Length == 0 ? null : f.Label);

    /// <summary>How a CreateEnvelope refusal's field reads for a template's definition (<c>recipients[0].step</c> → <c>definition.roles[0].step</c>).</summary>
    private static Func<string, string> DefinitionFieldNames(TemplateDefinition definition) => name =>
        name.StartsWith("recipients[", StringComparison.Ordinal)
            ? "definition.roles[" + name.Substring("recipients[".Length)
            : "definition." + name;

    /// <summary>How a CreateEnvelope refusal's field reads for an envelope made from a template (<c>recipients[0].email</c> → <c>recipients[甲].email</c>).</summary>
    private static Func<string, string> RoleFieldNames(TemplateDefinition definition) => name =>
    {
        var match = Regex.Match(name, @"^recipients\[(\d+)\](.*)$");
        return match.Success && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is var i && i < definition.Roles.Count
            ? $"recipients[{definition.Roles[i].Label}]{match.Groups[2].Value}"
            : name;
    };

    private static async Task<T> Rebased<T>(Func<Task<T>> action, Func<string, string> rename)
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

    private static void Rebase(Action action, Func<string, string> rename)
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

    private static DomainException Renamed(DomainException ex, string field, string renamed) =>
        new(ex.Kind, ex.Reason, ex.English.Replace(field, renamed, StringComparison.Ordinal), ex.Japanese.Replace(field, renamed, StringComparison.Ordinal), renamed)
        {
            Metadata = ex.Metadata,
        };

    private static Template ToProto(TemplateRecord r) => new()
    {
        TemplateId = r.TemplateId.ToString(),
        Name = r.Name,
        Description = r.Description,
        Version = r.Version,
        Definition = Parser.Parse<TemplateDefinition>(r.DefinitionJson),
        Documents =
        {
            r.Documents.Select((d, i) => new TemplateDocument
            {
                Index = i, FileName = d.FileName, SizeBytes = d.SizeBytes, Sha256 = ByteString.CopyFrom(Convert.FromHexString(d.Sha256)), Pages = d.Pages.Count,
            }),
        },
        Archived = r.Archived,
        CreatedAt = r.CreatedAt.ToTimestamp(),
        UpdatedAt = r.UpdatedAt.ToTimestamp(),
        UpdatedBy = r.UpdatedBy,
    };
}
