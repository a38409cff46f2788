using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using GmoSign.Signing.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>The Signing module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class SigningModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(SigningModule).Assembly, "signing");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            var service = SigningService.Descriptor;
            yield return RpcAccess.For(service, nameof(SigningService.SigningServiceBase.GetSigningLimits),
                CallerKind.Operator, CallerKind.TenantUser, CallerKind.Integration);
        }
    }

    public static IServiceCollection AddSigningModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SigningOptions>(configuration.GetSection(SigningOptions.Section));
        return services.AddRpcAccessRules(AccessRules);
    }

    public static IEndpointRouteBuilder MapSigningModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<SigningGrpcService>();
        return endpoints;
    }
}

internal sealed class SigningGrpcService(IOptions<SigningOptions> options) : SigningService.SigningServiceBase
{
    public override Task<GetSigningLimitsResponse> GetSigningLimits(GetSigningLimitsRequest request, ServerCallContext context)
    {
        var o = options.Value;
        return Task.FromResult(new GetSigningLimitsResponse
        {
            MaxDocumentsPerEnvelope = o.MaxDocumentsPerEnvelope,
            MaxDocumentBytes = o.MaxDocumentBytes,
            MaxEnvelopeBytes = o.MaxEnvelopeBytes,
            DefaultExpiryDays = o.DefaultExpiryDays,
            MaxExpiryDays = o.MaxExpiryDays,
            DefaultReminderDaysBeforeExpiry = { o.DefaultReminderDaysBeforeExpiry },
            // Certificate-type signing joins when tenant options arrive (issue: accounts and lifecycle).
            SignatureTypes = { SignatureType.Witness },
        });
    }
}
