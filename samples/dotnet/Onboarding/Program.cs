// A reseller's first day with GmoSign.Client: the operator registers the reseller, the reseller applies for a
// customer, the operator approves, the customer's administrator sends samples/contract.pdf to one signer, the signer
// signs through their link, and the signed PDF is downloaded and verified.
//   dotnet run --project samples/dotnet/Onboarding -- <api address> <operator login> <operator password> [--grpc-web]
using GmoSign.Client;
using GmoSign.Common.V1;
using GmoSign.Reseller.V1;
using GmoSign.Signing.V1;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Onboarding <api address> <operator login> <operator password> [--grpc-web]");
    return 2;
}
var address = new Uri(args[0]);
var grpcWeb = args.Contains("--grpc-web");
var run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
var contract = Path.Combine(AppContext.BaseDirectory, "contract.pdf");
GmoSignClient Connect(GmoSignCredentials? credentials = null) =>
    new(new GmoSignClientOptions { Address = address, UseGrpcWeb = grpcWeb, Credentials = credentials });

try
{
    // 1. The operator signs in and registers a reseller (its API key is shown once).
    using var operatorClient = Connect();
    await operatorClient.LoginAsync(args[1], args[2]);
    var reseller = await operatorClient.Resellers.RegisterResellerAsync(new RegisterResellerRequest
    {
        Name = "株式会社サンプル販売", ContactEmail = $"sales-{run}@example.co.jp",
    });
    Console.WriteLine($"reseller registered: {reseller.Reseller.ResellerId}");

    // 2. The reseller applies for a customer under the terms in force; the operator approves.
    using var resellerClient = Connect(GmoSignCredentials.ApiKey(reseller.ApiKey));
    var terms = await operatorClient.Operator.ListTermsVersionsAsync(new ListTermsVersionsRequest());
    var application = await resellerClient.Resellers.SubmitApplicationAsync(new SubmitApplicationRequest
    {
        Plan = "light", TermMonths = 12, AntiSocialForcesDeclared = true, AcceptedTermsVersion = terms.Versions
            .Where(v => v.EffectiveAt.ToDateTimeOffset() <= DateTimeOffset.UtcNow).MaxBy(v => v.EffectiveAt.ToDateTimeOffset())!.Version,
        Customer = new CustomerProfile
        {
            Name = "株式会社サンプル商事", Kind = CustomerKind.Organization, CorporateNumber = "3700000000001", RepresentativeName = "山田 太郎",
            ContactEmail = $"admin-{run}@example.co.jp", Address = "東京都渋谷区桜丘町26-1", Phone = "03-1234-5678",
        },
        IdentityVerification = new IdentityVerification
        {
            Method = "certificate_of_registration", Reference = $"REG-{run}", VerifiedOn = new CalendarDate { Year = 2026, Month = 11, Day = 1 },
        },
    });
    var approved = await operatorClient.Operator.ApproveApplicationAsync(new ApproveApplicationRequest { ApplicationId = application.Application.ApplicationId });
    Console.WriteLine($"tenant approved: {approved.Tenant.TenantId}");

    // 3. The customer's administrator sends an envelope with one PDF to one signer.
    using var admin = Connect();
    await admin.LoginAsync(approved.AdminLoginId, approved.AdminInitialPassword);
    var created = await admin.Signing.CreateEnvelopeAsync(new CreateEnvelopeRequest
    {
        Title = "業務委託契約書",
        Recipients = { new RecipientInput { Name = "佐藤 花子", Email = $"hanako-{run}@example.co.jp", Step = 1 } },
    });
    var envelopeId = created.Envelope.EnvelopeId;
    await using (var pdf = File.OpenRead(contract))
    {
        await admin.UploadDocumentAsync(envelopeId, "contract.pdf", pdf,
            new Progress<TransferProgress>(p => Console.WriteLine($"upload: {p.Bytes}/{p.Total} bytes")));
    }
    var sent = await admin.Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = envelopeId });
    Console.WriteLine($"envelope {envelopeId}: {sent.Envelope.Status}");

    // 4. The signer signs through their link (mailed to them; here the sender makes one).
    var link = await admin.Signing.CreateSigningLinkAsync(new CreateSigningLinkRequest
    {
        EnvelopeId = envelopeId, RecipientId = created.Envelope.Recipients[0].RecipientId,
    });
    using var signer = Connect(GmoSignCredentials.SigningLink(link.Token));
    await signer.Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest());
    var signed = await signer.Signing.SignEnvelopeAsync(new SignEnvelopeRequest());
    Console.WriteLine($"signed: {signed.Envelope.Status}");

    // 5. The signed PDF, downloaded with progress and verified by the service.
    var documentId = signed.Envelope.Documents[0].DocumentId;
    var output = Path.Combine(Path.GetTempPath(), $"gmosign-sample-{run}.pdf");
    await using (var file = File.Create(output))
    {
        await admin.DownloadDocumentAsync(envelopeId, documentId, file, new Progress<TransferProgress>(p => { }));
    }
    var verified = await admin.Signing.VerifyDocument().Let(async call =>
    {
        await call.RequestStream.WriteAsync(new VerifyDocumentRequest { FileName = "signed.pdf" });
        await call.RequestStream.WriteAsync(new VerifyDocumentRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(output)) });
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    });
    Console.WriteLine($"downloaded {output}: {verified.Signatures.Count} signatures, all valid: {verified.AllValid}");
    return verified.AllValid ? 0 : 1;
}
catch (GmoSignException error)
{
    Console.Error.WriteLine($"refused: {error.StatusCode} {error.Reason} {error.Field} — {error.MessageJapanese} / {error.MessageEnglish}");
    return 1;
}

internal static class Extensions
{
    public static TResult Let<T, TResult>(this T value, Func<T, TResult> body) => body(value);
}
