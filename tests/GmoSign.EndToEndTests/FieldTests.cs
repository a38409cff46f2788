using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Retention.V1;
using GmoSign.Signing.V1;
using Grpc.Core;
using EnvelopeStatus = GmoSign.Signing.V1.EnvelopeStatus;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Input fields end to end: the sender places them on a two-page contract for 甲 and 乙, each signer's values are
/// checked (a refusal names the field and the document and signs nothing), drawn under that signer's own signature in
/// the embedded font, listed on the certificate of completion and carried into Retention's search metadata.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class FieldTests(PlatformFixture platform)
{
    private const string Ko = "甲野 太郎";
    private const string Otsu = "乙川 花子";

    private SigningService.SigningServiceClient Signing => new(platform.Channel);

    private async Task<(string TenantId, Metadata Admin)> NewTenantAsync()
    {
        var tenant = await platform.NewTenantAsync("standard");
        return (tenant.TenantId, Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword)));
    }

    private static RecipientInput Labelled(string name, int step, string label)
    {
        var signer = Envelopes.Signer(name, step);
        signer.Label = label;
        return signer;
    }

    /// <summary>A draft for 甲 then 乙 with one two-page contract (A4, 595 x 842 points).</summary>
    private async Task<(Envelope Draft, string DocumentId)> DraftAsync(Metadata admin, string title)
    {
        var created = (await Signing.CreateEnvelopeAsync(Envelopes.Draft(title, Labelled(Ko, 1, "甲"), Labelled(Otsu, 2, "乙")), admin)).Envelope;
        var document = await Envelopes.UploadAsync(platform.Channel, admin, created.EnvelopeId, "contract.pdf",
            GmoSign.Testing.MinimalPdf.Create($"{title} {Guid.NewGuid()}", pages: 2));
        return (created, document.DocumentId);
    }

    private static FieldInput Field(string name, FieldType type, string documentId, string label, int page, double x, double y, double width, double height) => new()
    {
        Name = name, DocumentId = documentId, RecipientLabel = label, Type = type, Page = page,
        Rect = new FieldRect { X = x, Y = y, Width = width, Height = height },
    };

    /// <summary>甲: amount, contract date, a required checkbox, the stamp on page 2, a read-only reference; 乙: a plan to choose and initials on every page.</summary>
    private static List<FieldInput> Fields(string documentId) =>
    [
        With(Field("amount", FieldType.Text, documentId, "甲", 1, 72, 650, 200, 20), f => { f.Required = true; f.MapsTo = FieldMapping.Amount; f.Label = "契約金額"; }),
        With(Field("contract_date", FieldType.Date, documentId, "甲", 1, 72, 620, 150, 20), f => { f.DateFormat = "yyyy年M月d日"; f.MapsTo = FieldMapping.TransactionDate; }),
        With(Field("agree", FieldType.Checkbox, documentId, "甲", 2, 72, 700, 14, 14), f => { f.Required = true; f.Label = "約款に同意する"; }),
        With(Field("plan", FieldType.Dropdown, documentId, "乙", 2, 72, 650, 150, 20), f => f.Options.Add(new[] { "ベーシック", "プレミアム" })),
        Field("stamp_ko", FieldType.Signature, documentId, "甲", 2, 300, 400, 170, 54),
        Field("initials_otsu", FieldType.Initials, documentId, "乙", 0, 520, 20, 40, 16),
        With(Field("ref_no", FieldType.Text, documentId, "甲", 1, 72, 590, 150, 20), f => { f.Value = "GS-2026-0042"; f.ReadOnly = true; }),
    ];

    private static FieldInput With(FieldInput field, Action<FieldInput> change)
    {
        change(field);
        return field;
    }

    private static SignEnvelopeRequest Sign(string requestId, params (string Name, string Value)[] values) => new()
    {
        RequestId = requestId,
        FieldValues = { values.Select(v => new FieldValue { Name = v.Name, Value = v.Value }) },
    };

    private static Google.Rpc.BadRequest.Types.FieldViolation Violation(RpcException ex) =>
        Assert.Single((ex.GetRpcStatus() ?? throw new InvalidOperationException("No rich status.")).GetDetail<Google.Rpc.BadRequest>().FieldViolations);

    /// <summary>Runs a poppler tool on the PDF (written to a temporary file) and returns its output.</summary>
    private static async Task<string> PopplerAsync(string tool, byte[] pdf, params string[] options)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gmosign-e2e-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            var arguments = options.Append(file).ToList();
            if (tool == "pdftotext")
            {
                arguments.Add("-"); // to standard output
            }
            var (exitCode, output) = await Tools.RunAsync(tool, null, [.. arguments]);
            Assert.True(exitCode == 0, $"{tool}: {output}");
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<byte[]> CertificateAsync(Metadata admin, string envelopeId)
    {
        using var call = Signing.DownloadCertificate(new DownloadCertificateRequest { EnvelopeId = envelopeId }, admin);
        using var content = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            part.Chunk.WriteTo(content);
        }
        return content.ToArray();
    }

    [Fact]
    public async Task Signers_fill_their_fields_and_the_values_are_drawn_under_their_signatures_certified_and_archived()
    {
        var (_, admin) = await NewTenantAsync();
        var title = $"入力項目つき業務委託契約 {Guid.NewGuid():N}";
        var (draft, documentId) = await DraftAsync(admin, title);
        var ko = draft.Recipients.Single(r => r.Name == Ko);
        var otsu = draft.Recipients.Single(r => r.Name == Otsu);
        Assert.Equal(("甲", "乙"), (ko.Label, otsu.Label));

        // A placement with one rectangle off the page is refused as a whole, naming it.
        var offPage = Fields(documentId);
        offPage[5].Rect.X = 560; // 560 + 40 > 595
        var refused = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId, Fields = { offPage } }, admin).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(("INVALID_FIELD", "fields[5].rect"), Calls.ErrorInfo(refused));
        Assert.Equal("fields[5].rect", Violation(refused).Field);
        Assert.Contains("contract.pdf", refused.Status.Detail);
        Assert.Empty((await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope.Fields);

        var placed = (await Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId, Fields = { Fields(documentId) }, RequestId = "fields-1" }, admin)).Envelope;
        Assert.Equal(["amount", "contract_date", "agree", "plan", "stamp_ko", "initials_otsu", "ref_no"], placed.Fields.Select(f => f.Name));
        Assert.Equal([ko.RecipientId, ko.RecipientId, ko.RecipientId, otsu.RecipientId, ko.RecipientId, otsu.RecipientId, ko.RecipientId],
            placed.Fields.Select(f => f.RecipientId));
        Assert.Equal(100, placed.Fields[0].MaxLength); // the default
        Assert.Equal("GS-2026-0042", placed.Fields.Single(f => f.Name == "ref_no").Value);
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId, RequestId = "send-1" }, admin)).Envelope;
        Assert.Equal(EnvelopeStatus.Sent, sent.Status);

        // 甲's first try: the amount is not a number, then the required box is not checked. Nothing is signed; the same
        // request id then signs, since a refused request is not remembered.
        var first = await Envelopes.LinkAsync(platform.Channel, admin, sent, Ko);
        await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), first);
        var notANumber = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(
            Sign("sign-ko", ("amount", "十万円"), ("contract_date", "2026-11-20"), ("agree", "true")), first).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, notANumber.StatusCode);
        Assert.Equal(("INVALID_FIELD", "field_values[amount]"), Calls.ErrorInfo(notANumber));
        Assert.Equal("field_values[amount]", Violation(notANumber).Field);
        Assert.Contains("'contract.pdf'", notANumber.Status.Detail);
        var japanese = new Metadata { { "accept-language", "ja" } };
        foreach (var entry in first)
        {
            japanese.Add(entry);
        }
        var notChecked = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(Sign("sign-ko", ("amount", "1,234,567"), ("agree", "false")), japanese).ResponseAsync);
        Assert.Equal("field_values[agree]", Violation(notChecked).Field);
        Assert.Equal("「contract.pdf」の field_values[agree]: チェックが必要です", notChecked.Status.Detail);
        var untouched = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(0, Assert.Single(untouched.Documents).Signatures);
        Assert.Equal(RecipientStatus.Viewed, untouched.Recipients.Single(r => r.Name == Ko).Status);
        Assert.All(untouched.Fields, f => Assert.Null(f.FilledAt));
        Assert.Equal(sent.Documents[0].CurrentSha256, untouched.Documents[0].CurrentSha256);

        var afterKo = (await Signing.SignEnvelopeAsync(
            Sign("sign-ko", ("amount", "1,234,567"), ("contract_date", "2026-11-20"), ("agree", "true"), ("ref_no", "GS-2026-0042")), first)).Envelope;
        Assert.Equal(1, afterKo.Documents[0].Signatures);
        var second = await Envelopes.LinkAsync(platform.Channel, admin, afterKo, Otsu);
        await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), second);
        var otherSignersField = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(Sign("sign-otsu", ("plan", "プレミアム"), ("amount", "1")), second).ResponseAsync);
        Assert.Equal("field_values[amount]", Violation(otherSignersField).Field);
        var done = (await Signing.SignEnvelopeAsync(Sign("sign-otsu", ("plan", "プレミアム")), second)).Envelope;
        Assert.Equal(EnvelopeStatus.Completed, done.Status);

        // The envelope shows every value and when it was signed.
        var envelope = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = done.EnvelopeId }, admin)).Envelope;
        var values = envelope.Fields.ToDictionary(f => f.Name);
        Assert.Equal("1,234,567", values["amount"].Value);
        Assert.Equal("2026-11-20", values["contract_date"].Value);
        Assert.Equal("true", values["agree"].Value);
        Assert.Equal("プレミアム", values["plan"].Value);
        Assert.Equal("乙花", values["initials_otsu"].Value); // from 乙's name: nothing was sent
        Assert.Equal("GS-2026-0042", values["ref_no"].Value);
        var koSigned = envelope.Recipients.Single(r => r.Name == Ko).SignedAt;
        var otsuSigned = envelope.Recipients.Single(r => r.Name == Otsu).SignedAt;
        Assert.All(envelope.Fields.Where(f => f.RecipientId == ko.RecipientId), f => Assert.Equal(koSigned, f.FilledAt));
        Assert.All(envelope.Fields.Where(f => f.RecipientId == otsu.RecipientId), f => Assert.Equal(otsuSigned, f.FilledAt));
        Assert.True(koSigned.ToDateTimeOffset() < otsuSigned.ToDateTimeOffset());

        // The final PDF: both signatures valid over the drawn values, the values as the reader sees them, the stamps
        // where they belong, and only embedded subset fonts added.
        var signed = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, documentId);
        Assert.Equal(2, (await Envelopes.PdfsigAsync(signed)).Split("Signature is Valid").Length - 1);
        var page1 = await PopplerAsync("pdftotext", signed, "-f", "1", "-l", "1");
        var page2 = await PopplerAsync("pdftotext", signed, "-f", "2", "-l", "2");
        Assert.Contains("1,234,567", page1);
        Assert.Contains("2026年11月20日", page1);
        Assert.Contains("GS-2026-0042", page1);
        Assert.Contains("プレミアム", page2);
        Assert.Contains("乙花", page1); // initials on every page
        Assert.Contains("乙花", page2);
        Assert.Contains(Ko, page2); // 甲's stamp where the sender placed it…
        Assert.DoesNotContain(Ko, page1);
        Assert.Contains(Otsu, page1); // …乙's in its slot on page 1
        var fonts = await PopplerAsync("pdffonts", signed);
        var ours = fonts.Split('\n').Where(l => l.Contains("+ipagp", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ours);
        Assert.All(ours, l => Assert.Matches(@"CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", l));
        var verified = await Envelopes.VerifyAsync(platform.Channel, admin, signed);
        Assert.True(verified.AllValid, verified.ToString());

        // The certificate of completion lists every value with who filled it.
        var certificate = await CertificateAsync(admin, done.EnvelopeId);
        Assert.Equal(1, (await Envelopes.PdfsigAsync(certificate)).Split("Signature is Valid").Length - 1);
        var certified = await PopplerAsync("pdftotext", certificate);
        Assert.Contains("入力項目 / Field values", certified);
        Assert.Contains("契約金額 (contract.pdf)", certified);
        Assert.Contains($"1,234,567 — {Ko}", certified);
        Assert.Contains($"2026-11-20 — {Ko}", certified);
        Assert.Contains($"■ チェックあり / checked — {Ko}", certified);
        Assert.Contains($"プレミアム — {Otsu}", certified);
        Assert.Contains($"乙花 — {Otsu}", certified);
        Assert.DoesNotContain("stamp_ko", certified); // a signature field has no value to list

        // Retention keeps the amount and transaction date the fields gave, not the sender's (1,100,000 and the sending day).
        await Envelopes.WaitForHandOversAsync(platform.Database, done.EnvelopeId);
        var archived = Assert.Single((await new RetentionService.RetentionServiceClient(platform.Channel).SearchDocumentsAsync(
            new SearchDocumentsRequest { Title = title }, admin)).Documents);
        Assert.Equal(done.Documents[0].ArchivedDocumentId, archived.DocumentId);
        Assert.Equal(1_234_567, archived.Metadata.Amount);
        Assert.Equal((2026, 11, 20), (archived.Metadata.TransactionDate.Year, archived.Metadata.TransactionDate.Month, archived.Metadata.TransactionDate.Day));
        Assert.Equal("株式会社取引先", archived.Metadata.Counterparty); // not mapped: the sender's

        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin)).Entries;
        Assert.Equal(["created", "document_added", "fields_set", "sent"], trail.Select(e => e.Action).Take(4));
        Assert.True((await Signing.VerifyAuditTrailAsync(new VerifyAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin)).Intact);
    }

    [Fact]
    public async Task Only_the_senders_tenant_places_fields_and_oversized_names_are_refused_as_bad_input()
    {
        var (_, adminA) = await NewTenantAsync();
        var (_, adminB) = await NewTenantAsync();
        var (draft, documentId) = await DraftAsync(adminA, "A社の下書き");
        var placed = (await Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId, Fields = { Fields(documentId) } }, adminA)).Envelope;

        // Another tenant finds no such envelope, and a member who did not send it may not place fields.
        var foreign = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId }, adminB).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, foreign.StatusCode);
        var member = await platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"member-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "一般 社員", Role = UserRole.Member,
        }, adminA);
        var memberSession = Calls.Bearer(await Calls.LoginAsync(platform.Channel, member.User.LoginId, member.InitialPassword));
        var notSender = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId }, memberSession).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notSender.StatusCode);

        // A hostile label or field name is refused as bad input, not as an internal error.
        var hostileLabel = Fields(documentId);
        hostileLabel[0].RecipientLabel = new string('丙', 10_000);
        var label = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId, Fields = { hostileLabel } }, adminA).ResponseAsync);
        Assert.True(label.StatusCode == StatusCode.InvalidArgument, label.Status.ToString());
        Assert.Equal("fields[0].recipient_label", Calls.ErrorInfo(label).Field);

        var still = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, adminA)).Envelope;
        Assert.Equal(placed.Version, still.Version);
        Assert.Equal(placed.Fields, still.Fields);

        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, adminA)).Envelope;
        var link = await Envelopes.LinkAsync(platform.Channel, adminA, sent, Ko);
        var byLink = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId }, link).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, byLink.StatusCode);
        var afterSending = await Calls.FailsAsync(() => Signing.SetFieldsAsync(new SetFieldsRequest { EnvelopeId = draft.EnvelopeId }, adminA).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "ENVELOPE_STATUS"), (afterSending.StatusCode, Calls.ErrorInfo(afterSending).Reason));

        var hostileName = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(Sign("hostile", (new string('名', 10_000), "x")), link).ResponseAsync);
        Assert.True(hostileName.StatusCode == StatusCode.InvalidArgument, hostileName.Status.ToString());
        Assert.Equal("field_values[0].name", Calls.ErrorInfo(hostileName).Field); // named by position, not echoed
        Assert.Equal(0, (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, adminA)).Envelope.Documents[0].Signatures);
    }
}
