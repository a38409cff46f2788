using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Another tenant, or a signing link of another envelope, gets nothing from any SigningService RPC and changes
/// nothing; every RPC of the service is probed here or listed as acting only on the caller's own data.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SigningIsolationTests(PlatformFixture platform)
{
    private static readonly string[] SelfScoped = ["GetSigningLimits", "CreateEnvelope", "VerifyDocument", "CreateWebhookEndpoint", "ListWebhookEndpoints"];

    [Fact]
    public async Task Foreign_tenants_and_links_get_nothing_from_any_signing_rpc()
    {
        var a = await platform.NewTenantAsync("standard");
        var adminA = Calls.Bearer(await Calls.LoginAsync(platform.Channel, a.AdminLogin, a.AdminPassword));
        var b = await platform.NewTenantAsync("standard");
        var adminB = Calls.Bearer(await Calls.LoginAsync(platform.Channel, b.AdminLogin, b.AdminPassword));
        var signing = new SigningService.SigningServiceClient(platform.Channel);

        var sent = await Envelopes.SendAsync(platform.Channel, adminA, Envelopes.Draft("A社の契約", Envelopes.Signer("署名者", 1)));
        var envelopeId = sent.EnvelopeId;
        var recipientId = sent.Recipients[0].RecipientId;
        var documentId = sent.Documents[0].DocumentId;
        var draftA = (await signing.CreateEnvelopeAsync(Envelopes.Draft("A社の下書き", Envelopes.Signer("署名者", 1)), adminA)).Envelope;
        var otherEnvelope = await Envelopes.SendAsync(platform.Channel, adminB, Envelopes.Draft("B社の契約", Envelopes.Signer("B署名者", 1)));
        var linkB = await Envelopes.LinkAsync(platform.Channel, adminB, otherEnvelope, "B署名者");
        var probed = new List<string>();

        async Task Denied(string rpc, StatusCode expected, Func<Task> call)
        {
            probed.Add(rpc);
            var ex = await Calls.FailsAsync(call);
            Assert.True(expected == ex.StatusCode, $"{rpc}: expected {expected}, got {ex.StatusCode} ({ex.Status.Detail})");
        }

        await Denied("UploadDocument", StatusCode.NotFound, () => Envelopes.UploadAsync(platform.Channel, adminB, draftA.EnvelopeId, "x.pdf", Documents.Pdf("x")));
        // Upload sessions: B can neither start one on A's draft nor touch, read or finish A's session.
        var uploadA = (await signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draftA.EnvelopeId, FileName = "a.pdf", SizeBytes = 10 }, adminA)).Upload;
        await Denied("StartUpload", StatusCode.NotFound, () => signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draftA.EnvelopeId, FileName = "x.pdf", SizeBytes = 10 }, adminB).ResponseAsync);
        await Denied("UploadChunk", StatusCode.NotFound, () => signing.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadA.UploadId, Chunk = Google.Protobuf.ByteString.CopyFromUtf8("%PDF-1.7\n") }, adminB).ResponseAsync);
        await Denied("GetUpload", StatusCode.NotFound, () => signing.GetUploadAsync(new GetUploadRequest { UploadId = uploadA.UploadId }, adminB).ResponseAsync);
        await Denied("FinishUpload", StatusCode.NotFound, () => signing.FinishUploadAsync(new FinishUploadRequest { UploadId = uploadA.UploadId }, adminB).ResponseAsync);
        Assert.Equal(0, (await signing.GetUploadAsync(new GetUploadRequest { UploadId = uploadA.UploadId }, adminA)).Upload.ReceivedBytes);
        await Denied("SetFields", StatusCode.NotFound, () => signing.SetFieldsAsync(new SetFieldsRequest
        {
            EnvelopeId = draftA.EnvelopeId,
            Fields = { new FieldInput { Name = "x", DocumentId = Guid.NewGuid().ToString(), RecipientId = recipientId, Type = FieldType.Text, Page = 1, Rect = new FieldRect { Width = 10, Height = 10 } } },
        }, adminB).ResponseAsync);
        await Denied("SendEnvelope", StatusCode.NotFound, () => signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draftA.EnvelopeId }, adminB).ResponseAsync);
        await Denied("DownloadCertificate", StatusCode.NotFound, async () =>
        {
            using var call = signing.DownloadCertificate(new DownloadCertificateRequest { EnvelopeId = envelopeId }, adminB);
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        await Denied("GetEnvelope", StatusCode.NotFound, () => signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelopeId }, adminB).ResponseAsync);
        await Denied("ApproveEnvelope", StatusCode.NotFound, () => signing.ApproveEnvelopeAsync(new ApproveEnvelopeRequest { EnvelopeId = envelopeId, Approve = true }, adminB).ResponseAsync);
        await Denied("VoidEnvelope", StatusCode.NotFound, () => signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = envelopeId, Reason = "x" }, adminB).ResponseAsync);
        await Denied("ResendNotification", StatusCode.NotFound, () => signing.ResendNotificationAsync(new ResendNotificationRequest { EnvelopeId = envelopeId }, adminB).ResponseAsync);
        await Denied("CreateSigningLink", StatusCode.NotFound, () => signing.CreateSigningLinkAsync(new CreateSigningLinkRequest { EnvelopeId = envelopeId, RecipientId = recipientId }, adminB).ResponseAsync);
        await Denied("OpenEnvelope", StatusCode.NotFound, () => signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { EnvelopeId = envelopeId, RecipientId = recipientId }, adminB).ResponseAsync);
        await Denied("SignEnvelope", StatusCode.NotFound, () => signing.SignEnvelopeAsync(new SignEnvelopeRequest { EnvelopeId = envelopeId, RecipientId = recipientId, RequestId = "x" }, adminB).ResponseAsync);
        await Denied("DeclineEnvelope", StatusCode.NotFound, () => signing.DeclineEnvelopeAsync(new DeclineEnvelopeRequest { EnvelopeId = envelopeId, RecipientId = recipientId, Reason = "x" }, adminB).ResponseAsync);
        await Denied("ReassignRecipient", StatusCode.NotFound, () => signing.ReassignRecipientAsync(new ReassignRecipientRequest
        {
            EnvelopeId = envelopeId, RecipientId = recipientId, NewName = "x", NewEmail = "x@example.jp", Reason = "x",
        }, adminB).ResponseAsync);
        await Denied("DownloadDocument", StatusCode.NotFound, () => Envelopes.DownloadAsync(platform.Channel, adminB, envelopeId, documentId));
        await Denied("GetAuditTrail", StatusCode.NotFound, () => signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = envelopeId }, adminB).ResponseAsync);
        await Denied("VerifyAuditTrail", StatusCode.NotFound, () => signing.VerifyAuditTrailAsync(new VerifyAuditTrailRequest { EnvelopeId = envelopeId }, adminB).ResponseAsync);
        var hook = await signing.CreateWebhookEndpointAsync(new CreateWebhookEndpointRequest { Url = "https://hooks.a.example.jp/gmosign" }, adminA);
        await Denied("DeleteWebhookEndpoint", StatusCode.NotFound, () => signing.DeleteWebhookEndpointAsync(new DeleteWebhookEndpointRequest { EndpointId = hook.Endpoint.EndpointId }, adminB).ResponseAsync);
        await Denied("ListWebhookDeliveries", StatusCode.NotFound, () => signing.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { EndpointId = hook.Endpoint.EndpointId }, adminB).ResponseAsync);
        Assert.Empty((await signing.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), adminB)).Endpoints);
        Assert.Single((await signing.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), adminA)).Endpoints);
        probed.Add("ListEnvelopes");
        Assert.DoesNotContain((await signing.ListEnvelopesAsync(new ListEnvelopesRequest(), adminB)).Envelopes, e => e.EnvelopeId == envelopeId);

        // A signing link opens its own envelope only.
        var crossLink = await Calls.FailsAsync(() => signing.SignEnvelopeAsync(new SignEnvelopeRequest { EnvelopeId = envelopeId, RequestId = "y" }, linkB).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, crossLink.StatusCode);
        var linkAsSender = await Calls.FailsAsync(() => signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = otherEnvelope.EnvelopeId }, linkB).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, linkAsSender.StatusCode);

        // Nothing of A changed.
        var still = (await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelopeId }, adminA)).Envelope;
        Assert.Equal(sent.Version, still.Version);
        Assert.Equal(GmoSign.Signing.V1.EnvelopeStatus.Sent, still.Status);
        Assert.Equal(GmoSign.Signing.V1.EnvelopeStatus.Draft, (await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draftA.EnvelopeId }, adminA)).Envelope.Status);

        var all = SigningService.Descriptor.Methods.Select(m => m.Name);
        var uncovered = all.Except(probed).Except(SelfScoped).ToArray();
        Assert.True(uncovered.Length == 0, "RPCs without an isolation probe: " + string.Join(", ", uncovered));
    }
}
