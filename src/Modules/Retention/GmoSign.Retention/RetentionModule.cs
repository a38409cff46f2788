using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;
using GmoSign.Retention.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using GmoSign.Grains.Ports;

namespace GmoSign.Retention;

/// <summary>The Retention module's public surface: registration, endpoints, migrations, access rules, start-up check.</summary>
public static class RetentionModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(RetentionModule).Assembly, "retention");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            const CallerKind op = CallerKind.Operator, user = CallerKind.TenantUser, integration = CallerKind.Integration;
            var s = RetentionService.Descriptor;
            yield return RpcAccess.For(s, nameof(RetentionService.RetentionServiceBase.GetRetentionDefaults), op, user, integration);
            foreach (var method in new[]
            {
                nameof(RetentionService.RetentionServiceBase.UploadDocument), nameof(RetentionService.RetentionServiceBase.GetDocument),
                nameof(RetentionService.RetentionServiceBase.DownloadDocument), nameof(RetentionService.RetentionServiceBase.SearchDocuments),
                nameof(RetentionService.RetentionServiceBase.GetDocumentHistory),
            })
            {
                yield return RpcAccess.For(s, method, user, integration);
            }
            foreach (var method in new[]
            {
                nameof(RetentionService.RetentionServiceBase.CorrectMetadata), nameof(RetentionService.RetentionServiceBase.SetLegalHold),
                nameof(RetentionService.RetentionServiceBase.DeleteDocument), nameof(RetentionService.RetentionServiceBase.ExportDocuments),
            })
            {
                yield return RpcAccess.ForRoles(s, method, user, "admin");
            }
            // The operator sees deletion records, never document content (Art. 4-5).
            yield return RpcAccess.ForRoles(s, nameof(RetentionService.RetentionServiceBase.ListDeletionRecords), op, "admin");
        }
    }

    public static IServiceCollection AddRetentionModule(this IServiceCollection services, IConfiguration configuration)
    {
        DapperConventions.Apply();
        services.Configure<RetentionOptions>(configuration.GetSection(RetentionOptions.Section));
        services.AddSingleton<DocumentVault>();
        services.AddSingleton<IDocumentBlobStore, PostgresBlobStore>();
        services.AddSingleton<DocumentStore>();
        services.AddSingleton<TenantExport>();
        services.AddSingleton<DeletionRecords>();
        services.AddSingleton<ITenantDataDeletion>(sp => sp.GetRequiredService<DeletionRecords>());
        services.AddSingleton<StorageUsage>();
        services.AddSingleton<ContentStore>();
        services.AddSingleton<IDocumentContent>(sp => sp.GetRequiredService<ContentStore>());
        services.AddSingleton<IContentWrites>(sp => sp.GetRequiredService<ContentStore>());
        services.AddSingleton<IEnvelopeArchive, EnvelopeIntake>();
        services.AddSingleton<IKeyDerivation>(sp => sp.GetRequiredService<DocumentVault>());
        services.AddSingleton<IRetentionPolicy, DocumentTypePolicy>();
        return services.AddRpcAccessRules(AccessRules);
    }

    /// <summary>Start-up: the master key is set, well-formed, and the one that encrypted this database.</summary>
    public static Task VerifyMasterKeyAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<DocumentVault>().VerifyMasterKeyAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);

    public static IEndpointRouteBuilder MapRetentionModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RetentionGrpcService>();
        return endpoints;
    }
}

/// <summary>
/// Default retention by document type. Contracts: 10 years (会社法 432条2項 keeps important business documents
/// 10 years); tax documents: 7 years (法人税法 / 電子帳簿保存法).
/// </summary>
internal static class RetentionDefaults
{
    public static readonly IReadOnlyList<(string Type, string Ja, string En, int Years)> All =
    [
        ("contract", "契約書", "Contract", 10),
        ("invoice", "請求書", "Invoice", 7),
        ("receipt", "領収書", "Receipt", 7),
        ("quotation", "見積書", "Quotation", 7),
        ("purchase_order", "発注書", "Purchase order", 7),
        ("delivery_note", "納品書", "Delivery note", 7),
        ("other", "その他", "Other", 7),
    ];
}
