using GmoSign.Grains;
using GmoSign.Platform.Database;
using GmoSign.Platform.Cluster;
using GmoSign.Platform.Security;
using GmoSign.Grains.Ports;
using GmoSign.Signing.V1;
using GmoSign.Signing.Pdf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmoSign.Signing;

/// <summary>The Signing module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class SigningModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(SigningModule).Assembly, "signing");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            const CallerKind op = CallerKind.Operator, user = CallerKind.TenantUser, integration = CallerKind.Integration, signer = CallerKind.Signer;
            var s = SigningService.Descriptor;
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.GetSigningLimits), op, user, integration);
            foreach (var method in new[]
            {
                nameof(SigningService.SigningServiceBase.CreateEnvelope), nameof(SigningService.SigningServiceBase.UploadDocument),
                nameof(SigningService.SigningServiceBase.StartUpload), nameof(SigningService.SigningServiceBase.UploadChunk),
                nameof(SigningService.SigningServiceBase.GetUpload), nameof(SigningService.SigningServiceBase.FinishUpload),
                nameof(SigningService.SigningServiceBase.SetFields),
                nameof(SigningService.SigningServiceBase.SendEnvelope), nameof(SigningService.SigningServiceBase.GetEnvelope),
                nameof(SigningService.SigningServiceBase.ListEnvelopes), nameof(SigningService.SigningServiceBase.VoidEnvelope),
                nameof(SigningService.SigningServiceBase.ResendNotification), nameof(SigningService.SigningServiceBase.CreateSigningLink),
                nameof(SigningService.SigningServiceBase.GetAuditTrail), nameof(SigningService.SigningServiceBase.VerifyAuditTrail),
                nameof(SigningService.SigningServiceBase.DownloadCertificate),
            })
            {
                yield return RpcAccess.For(s, method, user, integration);
            }
            // Approvers are people of the tenant.
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.ApproveEnvelope), user);
            foreach (var method in new[]
            {
                nameof(SigningService.SigningServiceBase.OpenEnvelope), nameof(SigningService.SigningServiceBase.SignEnvelope),
                nameof(SigningService.SigningServiceBase.DeclineEnvelope), nameof(SigningService.SigningServiceBase.ReassignRecipient),
            })
            {
                yield return RpcAccess.For(s, method, signer, user);
            }
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.DownloadDocument), signer, user, integration);
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.VerifyDocument), signer, user, integration);
            // Webhook endpoints are an administrator's (or the integration's) setting; the log is readable by members.
            foreach (var method in new[]
            {
                nameof(SigningService.SigningServiceBase.CreateWebhookEndpoint), nameof(SigningService.SigningServiceBase.DeleteWebhookEndpoint),
            })
            {
                yield return new RpcAccess(RpcAccess.PathOf(s, method), [user, integration], ["admin"]);
            }
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.ListWebhookEndpoints), user, integration);
            yield return RpcAccess.For(s, nameof(SigningService.SigningServiceBase.ListWebhookDeliveries), user, integration);
            // Templates and bulk sends are the tenant's: its users and integrations prepare and use them.
            foreach (var service in new[] { TemplateService.Descriptor, BulkSendService.Descriptor })
            {
                foreach (var method in service.Methods)
                {
                    yield return RpcAccess.For(service, method.Name, user, integration);
                }
            }
        }
    }

    public static IServiceCollection AddSigningModule(this IServiceCollection services, IConfiguration configuration)
    {
        DapperConventions.Apply();
        services.Configure<EnvelopeOptions>(configuration.GetSection(EnvelopeOptions.Section));
        services.Configure<SigningKeysOptions>(configuration.GetSection(SigningKeysOptions.Section));
        services.AddSingleton<SignAdmission>();
        services.AddSingleton<EnvelopeStore>();
        services.AddSingleton<IEnvelopeStore>(sp => sp.GetRequiredService<EnvelopeStore>());
        services.AddSingleton<PdfSignatures>();
        services.AddSingleton<IPdfSignatures>(sp => sp.GetRequiredService<PdfSignatures>());
        services.AddSingleton<PdfVerification>();
        services.AddSingleton<SigningLinks>();
        services.AddSingleton<ISigningLinks>(sp => sp.GetRequiredService<SigningLinks>());
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<SigningLinks>());
        services.AddSingleton<GmoSign.Grains.Ports.ITenantDataDeletion, SigningDataDeletion>();
        services.Configure<NotificationOptions>(configuration.GetSection(NotificationOptions.Section));
        services.AddHostedService<NotificationDispatcher>();
        services.Configure<WebhookOptions>(configuration.GetSection(WebhookOptions.Section));
        services.AddSingleton<WebhookEndpoints>();
        services.AddSingleton<UploadSessions>();
        services.AddSingleton<EnvelopeRequests>();
        services.AddSingleton<DocumentIntake>();
        services.AddSingleton<EnvelopeQueries>();
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<TemplateEnvelopes>();
        services.Configure<BulkSendOptions>(configuration.GetSection(BulkSendOptions.Section));
        services.AddSingleton<BulkSendStore>();
        services.AddHostedService<BulkSendWorker>();
        services.AddHostedService<WebhookDispatcher>();
        services.Configure<HandOverOptions>(configuration.GetSection(HandOverOptions.Section));
        services.AddHostedService<HandOverWorker>();
        services.Configure<DeadlineSweepOptions>(configuration.GetSection(DeadlineSweepOptions.Section));
        services.TryAddSingleton<IClusterShare, SingleHostShare>();
        services.AddHostedService<DeadlineSweeper>();
        services.AddHostedService<SigningGauges>();
        services.Configure<ContentSweepOptions>(configuration.GetSection(ContentSweepOptions.Section));
        services.AddHostedService<ContentSweeper>();
        return services.AddRpcAccessRules(AccessRules);
    }

    /// <summary>Start-up: the signing keys load (development PKI created on first start); throws <see cref="SigningKeysException"/>.</summary>
    public static void VerifyKeys(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<PdfSignatures>();
        }
        catch (Exception ex) when (ex is not SigningKeysException)
        {
            throw new SigningKeysException($"{SigningKeysOptions.Section}: the signing keys could not be loaded ({ex.GetBaseException().Message}).", ex);
        }
    }

    public static IEndpointRouteBuilder MapSigningModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<SigningGrpcService>();
        endpoints.MapGrpcService<TemplateGrpcService>();
        endpoints.MapGrpcService<BulkSendGrpcService>();
        // The development CA publishes its root and CRLs, for viewers and validators outside (404 with external keys).
        endpoints.MapGet("/pki/root.crt", (PdfSignatures signatures) => signatures.Pki is { } pki
            ? Results.File(pki.Root.RawData, "application/pkix-cert", "root.crt") : Results.NotFound());
        endpoints.MapGet("/pki/issuing-ca.crl", (PdfSignatures signatures) => signatures.CurrentCrl() is { } crl
            ? Results.File(crl, "application/pkix-crl", "issuing-ca.crl") : Results.NotFound());
        endpoints.MapGet("/pki/root.crl", (PdfSignatures signatures) => signatures.Pki?.RootCrl is { } crl
            ? Results.File(crl, "application/pkix-crl", "root.crl") : Results.NotFound());
        // The development TSA over HTTP (RFC 3161 §3.4), for outside tools: openssl ts -query … | POST /tsa.
        endpoints.MapPost("/tsa", async (HttpContext http, PdfSignatures signatures) =>
        {
            if (signatures.DevelopmentAuthority is not { } authority)
            {
                return Results.NotFound();
            }
            if (http.Request.ContentType != "application/timestamp-query" || http.Request.ContentLength is null or > 64 * 1024)
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var reply = await TimestampProtocol.RespondAsync(authority, body.ToArray(), http.RequestAborted);
            return Results.Bytes(reply, "application/timestamp-reply");
        });
        return endpoints;
    }
}
