using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Templates over gRPC against the real host: a contract prepared once (documents, roles, merge fields, fields) and sent
/// as envelopes that keep the version they were made from; checked definitions; isolation between tenants.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TemplateTests(PlatformFixture platform)
{
    private SigningService.SigningServiceClient Signing => new(platform.Channel);
    private TemplateService.TemplateServiceClient Templates => new(platform.Channel);

    private async Task<Metadata> NewAdminAsync()
    {
        var tenant = await platform.NewTenantAsync("standard");
        return Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
    }

    /// <summary>A draft holding the template's document (its people do not matter: the template keeps only the documents).</summary>
    private async Task<Envelope> SourceDraftAsync(Metadata admin, string fileName = "nda.pdf")
    {
        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("テンプレート原本", Envelopes.Signer("仮", 1)), admin)).Envelope;
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, fileName, Documents.Pdf("秘密保持契約書 " + Guid.NewGuid()));
        return (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope;
    }

    private static TemplateDefinition Nda() => new()
    {
        Title = "秘密保持契約書 - {{会社名}}",
        Message = "{{会社名}} 様　契約金額 {{契約金額}} 円の契約です。ご確認ください。",
        Roles =
        {
            new TemplateRole { Label = "甲", Role = RecipientRole.Signer, Step = 1 },
            new TemplateRole { Label = "乙", Role = RecipientRole.Signer, Step = 2, AccessCodeRequired = true },
            new TemplateRole { Label = "経理", Role = RecipientRole.CarbonCopy, Step = 1, DefaultName = "経理 部", DefaultEmail = "keiri@customer.example.jp" },
        },
        MergeFields =
        {
            new MergeField { Name = "会社名", Type = MergeFieldType.Text, Required = true, MaxLength = 50 },
            new MergeField { Name = "契約金額", Type = MergeFieldType.Number, Required = true },
            new MergeField { Name = "契約日", Type = MergeFieldType.Date, DefaultValue = "2026-12-01" },
        },
        Fields =
        {
            new TemplateField { Name = "sign_ko", DocumentIndex = 0, RoleLabel = "甲", Type = FieldType.Signature, Page = 1, Rect = new FieldRect { X = 300, Y = 80, Width = 170, Height = 54 } },
            new TemplateField { Name = "company", DocumentIndex = 0, RoleLabel = "乙", Type = FieldType.Text, Page = 1, Rect = new FieldRect { X = 72, Y = 600, Width = 250, Height = 20 }, Value = "{{会社名}}", ReadOnly = true },
            new TemplateField { Name = "amount", DocumentIndex = 0, RoleLabel = "乙", Type = FieldType.Text, Page = 1, Rect = new FieldRect { X = 72, Y = 570, Width = 150, Height = 20 }, Value = "{{契約金額}}", MapsTo = FieldMapping.Amount },
            new TemplateField { Name = "signed_on", DocumentIndex = 0, RoleLabel = "乙", Type = FieldType.Date, Page = 1, Rect = new FieldRect { X = 72, Y = 540, Width = 150, Height = 20 }, Value = "{{契約日}}", MapsTo = FieldMapping.TransactionDate },
        },
        Retention = new RetentionMetadata { DocumentType = "contract", Tags = { "nda" } },
    };

    private static RoleAssignment Person(string label, string name, string? accessCode = null) => new()
    {
        RoleLabel = label, Name = name, Email = $"{Guid.NewGuid():N}@counterparty.example.jp", AccessCode = accessCode ?? "",
    };

    [Fact]
    public async Task A_template_makes_drafts_with_its_documents_roles_merge_fields_and_fields_and_versions_keep_earlier_envelopes_as_they_were()
    {
        var admin = await NewAdminAsync();
        var source = await SourceDraftAsync(admin);
        var create = new CreateTemplateRequest { RequestId = "tpl-" + Guid.NewGuid(), Name = "秘密保持契約", Description = "標準NDA", Definition = Nda(), SourceEnvelopeId = source.EnvelopeId };
        var template = (await Templates.CreateTemplateAsync(create, admin)).Template;
        Assert.Equal(1, template.Version);
        Assert.Equal(source.Documents[0].CurrentSha256, template.Documents.Single().Sha256);
        Assert.Equal(1, template.Documents[0].Pages);
        Assert.Equal(template.TemplateId, (await Templates.CreateTemplateAsync(create, admin)).Template.TemplateId); // a retry
        var taken = await Calls.FailsAsync(() => Templates.CreateTemplateAsync(new CreateTemplateRequest { Name = "秘密保持契約", Definition = Nda(), SourceEnvelopeId = source.EnvelopeId }, admin).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "TEMPLATE_NAME_TAKEN"), (taken.StatusCode, Calls.ErrorInfo(taken).Reason));

        // Values checked: required merge fields, their types, the roles.
        var from = new CreateEnvelopeFromTemplateRequest
        {
            RequestId = "from-" + Guid.NewGuid(), TemplateId = template.TemplateId,
            Recipients = { Person("甲", "甲野 一郎"), Person("乙", "乙川 花子", accessCode: "5678") },
            MergeValues = { ["会社名"] = "株式会社サンプル", ["契約金額"] = "1,250,000" },
        };
        async Task Refused(string field, Action<CreateEnvelopeFromTemplateRequest> change)
        {
            var bad = from.Clone();
            bad.RequestId = "bad-" + Guid.NewGuid();
            change(bad);
            var ex = await Calls.FailsAsync(() => Templates.CreateEnvelopeFromTemplateAsync(bad, admin).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }
        await Refused("merge_values[会社名]", r => r.MergeValues.Remove("会社名"));
        await Refused("merge_values[契約金額]", r => r.MergeValues["契約金額"] = "百万円");
        await Refused("merge_values[担当者]", r => r.MergeValues["担当者"] = "x");
        await Refused("recipients[2].role_label", r => r.Recipients.Add(Person("丙", "丙")));
        await Refused("recipients[乙]", r => r.Recipients.RemoveAt(1));
        await Refused("recipients[乙].access_code", r => r.Recipients[1].AccessCode = "");
        await Refused("recipients[甲].email", r => r.Recipients[0].Email = "not-an-address");
        // A value that passes its merge field's own type but breaks the field it fills is refused before anything is made.
        await Refused("merge_values[契約日]", r => r.MergeValues["契約日"] = "2200-01-01");

        var envelope = (await Templates.CreateEnvelopeFromTemplateAsync(from, admin)).Envelope;
        Assert.Equal(EnvelopeStatus.Draft, envelope.Status);
        Assert.Equal("秘密保持契約書 - 株式会社サンプル", envelope.Title);
        Assert.Contains("契約金額 1,250,000 円", envelope.Message);
        Assert.Equal((template.TemplateId, 1), (envelope.TemplateId, envelope.TemplateVersion));
        Assert.Equal(["甲", "乙", "経理"], envelope.Recipients.Select(r => r.Label));
        Assert.Equal("経理 部", envelope.Recipients.Single(r => r.Label == "経理").Name);
        Assert.True(envelope.Recipients.Single(r => r.Label == "乙").HasAccessCode);
        Assert.Equal(template.Documents[0].Sha256, envelope.Documents.Single().OriginalSha256);
        Assert.Equal("株式会社サンプル", envelope.Fields.Single(f => f.Name == "company").Value);
        Assert.Equal("2026-12-01", envelope.Fields.Single(f => f.Name == "signed_on").Value);
        Assert.Equal(envelope.Recipients.Single(r => r.Label == "乙").RecipientId, envelope.Fields.Single(f => f.Name == "amount").RecipientId);
        Assert.Equal(envelope.EnvelopeId, (await Templates.CreateEnvelopeFromTemplateAsync(from, admin)).Envelope.EnvelopeId); // a retry

        // The draft can still be changed before it is sent: another document.
        await Envelopes.UploadAsync(platform.Channel, admin, envelope.EnvelopeId, "appendix.pdf", Documents.Pdf("別紙"));

        // A new version: the envelope keeps version 1, version 1 stays readable, the next envelope gets version 2.
        var changed = Nda();
        changed.Title = "秘密保持契約書（改訂）- {{会社名}}";
        var v2 = (await Templates.UpdateTemplateAsync(new UpdateTemplateRequest
        {
            TemplateId = template.TemplateId, ExpectedVersion = 1, Name = "秘密保持契約", Definition = changed, RequestId = "v2-" + Guid.NewGuid(),
        }, admin)).Template;
        Assert.Equal(2, v2.Version);
        var stale = await Calls.FailsAsync(() => Templates.UpdateTemplateAsync(new UpdateTemplateRequest
        {
            TemplateId = template.TemplateId, ExpectedVersion = 1, Name = "秘密保持契約", Definition = Nda(),
        }, admin).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TEMPLATE_VERSION_CONFLICT"), (stale.StatusCode, Calls.ErrorInfo(stale).Reason));
        Assert.Equal(Nda().Title, (await Templates.GetTemplateAsync(new GetTemplateRequest { TemplateId = template.TemplateId, Version = 1 }, admin)).Template.Definition.Title);
        Assert.Equal(1, (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelope.EnvelopeId }, admin)).Envelope.TemplateVersion);
        var second = (await Templates.CreateEnvelopeFromTemplateAsync(new CreateEnvelopeFromTemplateRequest
        {
            RequestId = "from2-" + Guid.NewGuid(), TemplateId = template.TemplateId,
            Recipients = { Person("甲", "甲野 一郎"), Person("乙", "乙山 次郎", accessCode: "1357") },
            MergeValues = { ["会社名"] = "合同会社テスト", ["契約金額"] = "300000" },
        }, admin)).Envelope;
        Assert.Equal((2, "秘密保持契約書（改訂）- 合同会社テスト"), (second.TemplateVersion, second.Title));

        // The envelope from the template goes through: 甲's stamp where the template put it, 乙's pre-filled values signed.
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = envelope.EnvelopeId, RequestId = "send-" + envelope.EnvelopeId }, admin)).Envelope;
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "甲野 一郎"));
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "乙川 花子"), "5678");
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        Assert.Equal("1,250,000", done.Fields.Single(f => f.Name == "amount").Value);
        var signed = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, done.Documents.First(d => d.FileName == "nda.pdf").DocumentId);
        var text = await Envelopes.PdfToTextAsync(signed);
        Assert.Contains("株式会社サンプル", text);
        Assert.Contains("2026/12/01", text);

        // Listing and archiving: an archived template is hidden by default and makes no more envelopes.
        Assert.Contains((await Templates.ListTemplatesAsync(new ListTemplatesRequest { NameContains = "秘密保持" }, admin)).Templates, t => t.TemplateId == template.TemplateId);
        Assert.True((await Templates.ArchiveTemplateAsync(new ArchiveTemplateRequest { TemplateId = template.TemplateId }, admin)).Template.Archived);
        Assert.DoesNotContain((await Templates.ListTemplatesAsync(new ListTemplatesRequest(), admin)).Templates, t => t.TemplateId == template.TemplateId);
        Assert.Contains((await Templates.ListTemplatesAsync(new ListTemplatesRequest { IncludeArchived = true }, admin)).Templates, t => t.TemplateId == template.TemplateId);
        var archived = await Calls.FailsAsync(() => Templates.CreateEnvelopeFromTemplateAsync(new CreateEnvelopeFromTemplateRequest
        {
            RequestId = "late-" + Guid.NewGuid(), TemplateId = template.TemplateId, Recipients = { from.Recipients }, MergeValues = { from.MergeValues },
        }, admin).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TEMPLATE_ARCHIVED"), (archived.StatusCode, Calls.ErrorInfo(archived).Reason));
    }

    [Fact]
    public async Task A_definition_that_would_make_invalid_envelopes_is_refused_naming_the_field()
    {
        var admin = await NewAdminAsync();
        var source = await SourceDraftAsync(admin);
        async Task Refused(string field, Action<TemplateDefinition> change)
        {
            var definition = Nda();
            change(definition);
            var ex = await Calls.FailsAsync(() => Templates.CreateTemplateAsync(new CreateTemplateRequest
            {
                Name = "NDA " + Guid.NewGuid(), Definition = definition, SourceEnvelopeId = source.EnvelopeId,
            }, admin).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }
        await Refused("definition.title", d => d.Title = "{{未定義}} の契約");
        await Refused("definition.fields[1].value", d => d.Fields[1].Value = "{{住所}}");
        await Refused("definition.merge_fields[1].name", d => d.MergeFields[1].Name = "会社名");
        await Refused("definition.merge_fields[2].default_value", d => d.MergeFields[2].DefaultValue = "12/01");
        await Refused("definition.roles[1].label", d => d.Roles[1].Label = "甲");
        await Refused("definition.roles[1].step", d => d.Roles[1].Step = 0);
        await Refused("definition.roles", d => d.Roles.Clear());
        await Refused("definition.fields[0].document_index", d => d.Fields[0].DocumentIndex = 1);
        await Refused("definition.fields[0].role_label", d => d.Fields[0].RoleLabel = "丙");
        await Refused("definition.fields[1].rect", d => d.Fields[1].Rect.X = 5000);
        await Refused("definition.fields[0].role_label", d => d.Fields[0].RoleLabel = "経理");
        await Refused("definition.expiry_days", d => d.ExpiryDays = 100000);
        var empty = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("空", Envelopes.Signer("仮", 1)), admin)).Envelope;
        var noDocuments = await Calls.FailsAsync(() => Templates.CreateTemplateAsync(new CreateTemplateRequest { Name = "空", Definition = Nda(), SourceEnvelopeId = empty.EnvelopeId }, admin).ResponseAsync);
        Assert.Equal("source_envelope_id", Calls.ErrorInfo(noDocuments).Field);
        Assert.Empty((await Templates.ListTemplatesAsync(new ListTemplatesRequest { IncludeArchived = true }, admin)).Templates);
    }

    [Fact]
    public async Task Another_tenant_gets_nothing_from_any_template_rpc()
    {
        var adminA = await NewAdminAsync();
        var adminB = await NewAdminAsync();
        var source = await SourceDraftAsync(adminA);
        var template = (await Templates.CreateTemplateAsync(new CreateTemplateRequest { Name = "A社NDA", Definition = Nda(), SourceEnvelopeId = source.EnvelopeId }, adminA)).Template;
        // Within the tenant every user uses the template, but only its creator or an administrator changes or archives it.
        var member = await platform.Accounts.CreateUserAsync(new GmoSign.Accounts.V1.CreateUserRequest
        {
            LoginId = $"member-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "一般 社員", Role = GmoSign.Accounts.V1.UserRole.Member,
        }, adminA);
        var asMember = Calls.Bearer(await Calls.LoginAsync(platform.Channel, member.User.LoginId, member.InitialPassword));
        Assert.Equal(template.TemplateId, (await Templates.GetTemplateAsync(new GetTemplateRequest { TemplateId = template.TemplateId }, asMember)).Template.TemplateId);
        foreach (var call in new Func<Task>[]
        {
            () => Templates.ArchiveTemplateAsync(new ArchiveTemplateRequest { TemplateId = template.TemplateId }, asMember).ResponseAsync,
            () => Templates.UpdateTemplateAsync(new UpdateTemplateRequest { TemplateId = template.TemplateId, ExpectedVersion = 1, Name = "x", Definition = Nda() }, asMember).ResponseAsync,
        })
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Calls.FailsAsync(call)).StatusCode);
        }
        // A template takes a draft's documents only: not a sent envelope's.
        var sent = await Envelopes.SendAsync(platform.Channel, adminA, Envelopes.Draft("送信済み", Envelopes.Signer("署名者", 1)));
        var notDraft = await Calls.FailsAsync(() => Templates.CreateTemplateAsync(new CreateTemplateRequest { Name = "送信済みから", Definition = Nda(), SourceEnvelopeId = sent.EnvelopeId }, adminA).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "ENVELOPE_STATUS"), (notDraft.StatusCode, Calls.ErrorInfo(notDraft).Reason));

        var probed = new List<string>();
        async Task Denied(string rpc, Func<Task> call)
        {
            probed.Add(rpc);
            var ex = await Calls.FailsAsync(call);
            Assert.True(ex.StatusCode == StatusCode.NotFound, $"{rpc}: expected NotFound, got {ex.StatusCode} ({ex.Status.Detail})");
        }
        await Denied("CreateTemplate", () => Templates.CreateTemplateAsync(new CreateTemplateRequest { Name = "盗用", Definition = Nda(), SourceEnvelopeId = source.EnvelopeId }, adminB).ResponseAsync);
        await Denied("UpdateTemplate", () => Templates.UpdateTemplateAsync(new UpdateTemplateRequest { TemplateId = template.TemplateId, ExpectedVersion = 1, Name = "x", Definition = Nda() }, adminB).ResponseAsync);
        await Denied("GetTemplate", () => Templates.GetTemplateAsync(new GetTemplateRequest { TemplateId = template.TemplateId }, adminB).ResponseAsync);
        await Denied("ArchiveTemplate", () => Templates.ArchiveTemplateAsync(new ArchiveTemplateRequest { TemplateId = template.TemplateId }, adminB).ResponseAsync);
        await Denied("CreateEnvelopeFromTemplate", () => Templates.CreateEnvelopeFromTemplateAsync(new CreateEnvelopeFromTemplateRequest
        {
            RequestId = "steal", TemplateId = template.TemplateId, Recipients = { Person("甲", "x"), Person("乙", "y", "1234") },
            MergeValues = { ["会社名"] = "x", ["契約金額"] = "1" },
        }, adminB).ResponseAsync);
        probed.Add("ListTemplates");
        Assert.Empty((await Templates.ListTemplatesAsync(new ListTemplatesRequest { IncludeArchived = true }, adminB)).Templates);

        var still = (await Templates.GetTemplateAsync(new GetTemplateRequest { TemplateId = template.TemplateId }, adminA)).Template;
        Assert.Equal((1, false, "A社NDA"), (still.Version, still.Archived, still.Name));
        var uncovered = TemplateService.Descriptor.Methods.Select(m => m.Name).Except(probed).ToArray();
        Assert.True(uncovered.Length == 0, "RPCs without an isolation probe: " + string.Join(", ", uncovered));
    }
}
