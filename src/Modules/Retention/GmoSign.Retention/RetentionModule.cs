using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using GmoSign.Retention.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GmoSign.Retention;

/// <summary>The Retention module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class RetentionModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(RetentionModule).Assembly, "retention");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            var service = RetentionService.Descriptor;
            yield return RpcAccess.For(service, nameof(RetentionService.RetentionServiceBase.GetRetentionDefaults),
                CallerKind.Operator, CallerKind.TenantUser, CallerKind.Integration);
        }
    }

    public static IServiceCollection AddRetentionModule(this IServiceCollection services, IConfiguration configuration)
    {
        return services.AddRpcAccessRules(AccessRules);
    }

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

internal sealed class RetentionGrpcService : RetentionService.RetentionServiceBase
{
    public override Task<GetRetentionDefaultsResponse> GetRetentionDefaults(GetRetentionDefaultsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetRetentionDefaultsResponse
        {
            Defaults =
            {
                RetentionDefaults.All.Select(d => new RetentionDefault
                {
                    DocumentType = d.Type, NameJa = d.Ja, NameEn = d.En, RetentionYears = d.Years,
                }),
            },
        });
}
