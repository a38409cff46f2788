using System.Security.Cryptography;
using System.Text;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.Reseller;

internal sealed class ResellerGrpcService(IGrainFactory grains) : ResellerService.ResellerServiceBase
{
    public override async Task<RegisterResellerResponse> RegisterReseller(RegisterResellerRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var requestId = Check.RequestId(request.RequestId);
        var name = Check.Required(request.Name, "name", 200);
        var email = Check.Email(request.ContactEmail, "contact_email");

        // The id follows from (caller, request id): a retry reaches the same grain and gets the first result.
        var resellerId = IdempotentId(caller.UserId!.Value, "RegisterReseller", requestId);
        var apiKey = SecretTokens.Create(ResellerDirectory.ApiKeyPrefix);
        var result = await grains.GetGrain<IResellerGrain>(resellerId)
            .RegisterAsync(new RegisterReseller(name, email, SecretTokens.Hash(apiKey), caller.UserId.Value));

        if (!result.Created && (result.Reseller.Name != name || result.Reseller.ContactEmail != email))
        {
            throw new DomainException(ErrorKind.AlreadyExists, "REQUEST_ID_REUSED",
                "request_id was already used for a different registration.",
                "request_id は別の登録で既に使用されています。", "request_id");
        }
        return new RegisterResellerResponse { Reseller = ToProto(result.Reseller), ApiKey = result.Created ? apiKey : "" };
    }

    public override async Task<GetResellerResponse> GetReseller(GetResellerRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var resellerId = Check.Id(request.ResellerId, "reseller_id");
        // A reseller sees only itself; for any other id it learns nothing, not even whether it exists.
        var visible = caller.Kind == CallerKind.Operator || caller.ResellerId == resellerId;
        var reseller = visible ? await grains.GetGrain<IResellerGrain>(resellerId).GetAsync() : null;
        return reseller is null
            ? throw DomainException.NotFound("Reseller", "販売代理店", "reseller_id")
            : new GetResellerResponse { Reseller = ToProto(reseller) };
    }

    internal static Guid IdempotentId(Guid caller, string operation, string requestId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{caller:N}/{operation}/{requestId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom), RFC 9562
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static V1.Reseller ToProto(ResellerSnapshot r) => new()
    {
        ResellerId = r.ResellerId.ToString(),
        Name = r.Name,
        ContactEmail = r.ContactEmail,
        Status = r.Status switch
        {
            Grains.ResellerStatus.Active => V1.ResellerStatus.Active,
            Grains.ResellerStatus.Suspended => V1.ResellerStatus.Suspended,
            _ => V1.ResellerStatus.Unspecified,
        },
        CreatedAt = Timestamp.FromDateTimeOffset(r.CreatedAt),
    };
}
