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
    TemplateEnvelopes envelopes,
    EnvelopeRequests requests,
    IDocumentContent contents,
    IPdfSignatures pdf) : TemplateService.TemplateServiceBase
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    [GeneratedRegex(@"^[\p{L}\p{N}_-]{1,50}$")]
    private static partial Regex MergeName();

    public override async Task<CreateTemplateResponse> CreateTemplate(CreateTemplateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var requestId = EnvelopeRequests.OptionalRequestId(request.RequestId);
        var (name, description) = Names(request.Name, request.Description);
        var documents = await DocumentsFromAsync(caller, tenantId, Check.Id(request.SourceEnvelopeId, "source_envelope_id"), context.CancellationToken);
        await CheckDefinitionAsync(caller, request.Definition, documents, context.CancellationToken);
        var record = await store.CreateAsync(tenantId, name, description, Formatter.Format(request.Definition), documents, requestId, caller.DisplayName,
            caller.UserId, context.CancellationToken);
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
        RequireManager(caller, current);
        if (current.Version != request.ExpectedVersion && (requestId is null || !await store.MadeAsync(templateId, requestId, context.CancellationToken)))
        {
            throw TemplateStore.VersionConflict(current.Version, request.ExpectedVersion);
        }
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
        var record = await store.RequireAsync(context.GetCaller().RequireTenant(), request.TemplateId, request.Version, context.CancellationToken);
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
        var caller = context.GetCaller();
        var templateId = Check.Id(request.TemplateId, "template_id");
        RequireManager(caller, await store.GetAsync(caller.RequireTenant(), templateId, 0, context.CancellationToken) ?? throw TemplateStore.NotFound());
        var record = await store.ArchiveAsync(caller.RequireTenant(), templateId, context.CancellationToken);
        return new ArchiveTemplateResponse { Template = ToProto(record) };
    }

    public override async Task<CreateEnvelopeFromTemplateResponse> CreateEnvelopeFromTemplate(CreateEnvelopeFromTemplateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var requestId = Check.RequestId(request.RequestId);
        var template = await store.RequireAsync(tenantId, request.TemplateId, request.Version, context.CancellationToken);
        if (template.Archived)
        {
            throw TemplateStore.Archived();
        }
        var view = await envelopes.MakeAsync(caller, template, request.Recipients, request.MergeValues, request.Title, requestId, "template-envelope",
            context.CancellationToken);
        return new CreateEnvelopeFromTemplateResponse { Envelope = Mapping.ToProto(view) };
    }

    // ------------------------------------------------------------------ checks

    /// <summary>Every user of the tenant uses its templates; changing one is for its creator, a tenant administrator or an integration.</summary>
    private static void RequireManager(Caller caller, TemplateRecord template)
    {
        if (!EnvelopeRequests.ManagesOrMade(caller, template.CreatedByUser))
        {
            throw DomainException.Denied("Only the template's creator or a tenant administrator can change or archive it.",
                "テンプレートを変更・アーカイブできるのは作成者またはテナント管理者のみです。");
        }
    }

    private static (string Name, string Description) Names(string name, string description) =>
        (Check.Required(name, "name", 100), Check.Optional(description, "description", 1000) ?? "");

    /// <summary>The draft's documents, whose content the template shares: the draft must be the caller's tenant's and hold 1.. documents.</summary>
    private async Task<List<TemplateDocumentRef>> DocumentsFromAsync(Caller caller, Guid tenantId, Guid envelopeId, CancellationToken ct)
    {
        EnvelopeView source;
        try
        {
            source = await grains.Reference<IEnvelopeGrain>(envelopeId).GetAsync(tenantId);
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
        if (source.Status != EnvelopeStatus.Draft)
        {
            throw DomainException.Precondition("ENVELOPE_STATUS", $"source_envelope_id: a template is made from a draft's documents; the envelope is {source.Status}.",
                $"source_envelope_id: テンプレートは下書きの文書から作成します（封筒の状態: {source.Status}）。");
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
                throw DomainException.Invalid($"{at}.name", $"'{TemplateEnvelopes.Short(m.Name)}' is declared twice", $"「{TemplateEnvelopes.Short(m.Name)}」が重複しています");
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
                TemplateEnvelopes.MergeValue(m, m.DefaultValue, $"{at}.default_value");
            }
        }
        foreach (var (text, at) in new[] { (definition.Title, "definition.title"), (definition.Message, "definition.message") }
                     .Concat(definition.Fields.Select((f, i) => (f.Value, $"definition.fields[{i}].value"))))
        {
            foreach (Match match in TemplateEnvelopes.Placeholder().Matches(text))
            {
                if (!merge.ContainsKey(match.Groups[1].Value))
                {
                    throw DomainException.Invalid(at, $"{TemplateEnvelopes.Short(match.Value)} is not a declared merge field", $"{TemplateEnvelopes.Short(match.Value)} は宣言されていない差し込み項目です");
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
            if (role.Label != role.Label.Trim())
            {
                throw DomainException.Invalid($"definition.roles[{i}].label", "must not start or end with spaces", "前後に空白を入れないでください");
            }
            if (!labels.Add(role.Label))
            {
                throw DomainException.Invalid($"definition.roles[{i}].label", $"'{TemplateEnvelopes.Short(role.Label)}' labels another role", $"「{TemplateEnvelopes.Short(role.Label)}」は他の役割のラベルです");
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
        var create = TemplateEnvelopes.EnvelopeRequestFor(definition, standIns, samples, "");
        await TemplateEnvelopes.Rebased(() => requests.DraftAsync(caller, create, ct), DefinitionFieldNames(definition));
        // The fields, on the template's documents and roles.
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
        }
        TemplateEnvelopes.PlaceFields(definition, documents, samples, blameMergeValues: false);
    }

    /// <summary>How a CreateEnvelope refusal's field reads for a template's definition (<c>recipients[0].step</c> → <c>definition.roles[0].step</c>).</summary>
    private static Func<string, string> DefinitionFieldNames(TemplateDefinition definition) => name =>
        name.StartsWith("recipients[", StringComparison.Ordinal)
            ? "definition.roles[" + name.Substring("recipients[".Length)
            : "definition." + name;

    private static Template ToProto(TemplateRecord r) => new()
    {
        TemplateId = r.TemplateId.ToString(),
        Name = r.Name,
        Description = r.Description,
        Version = r.Version,
        Definition = TemplateEnvelopes.Definition(r),
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
