using GmoSign.Common.V1;
using GmoSign.Errors;
using GmoSign.Platform.Errors;
using Grpc.Core;

namespace GmoSign.UnitTests;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(ErrorKind.InvalidArgument, StatusCode.InvalidArgument)]
    [InlineData(ErrorKind.NotFound, StatusCode.NotFound)]
    [InlineData(ErrorKind.PermissionDenied, StatusCode.PermissionDenied)]
    [InlineData(ErrorKind.FailedPrecondition, StatusCode.FailedPrecondition)]
    [InlineData(ErrorKind.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(ErrorKind.ResourceExhausted, StatusCode.ResourceExhausted)]
    [InlineData(ErrorKind.Unauthenticated, StatusCode.Unauthenticated)]
    [InlineData(ErrorKind.Unavailable, StatusCode.Unavailable)]
    public void Each_kind_maps_to_its_status(ErrorKind kind, StatusCode expected)
    {
        var ex = ErrorInterceptor.ToRpcException(new DomainException(kind, "R", "en", "ja"), japanese: false);
        Assert.Equal(expected, ex.StatusCode);
    }

    [Fact]
    public void Field_errors_carry_reason_field_violation_and_both_languages()
    {
        var error = DomainException.Required("contact_email");

        var english = ErrorInterceptor.ToRpcException(error, japanese: false);
        var japanese = ErrorInterceptor.ToRpcException(error, japanese: true);

        Assert.Equal("contact_email: is required", english.Status.Detail);
        Assert.Equal("contact_email: 必須項目です", japanese.Status.Detail);
        var status = english.GetRpcStatus()!;
        var info = status.GetDetail<Google.Rpc.ErrorInfo>();
        Assert.Equal("INVALID_FIELD", info.Reason);
        Assert.Equal("contact_email", info.Metadata["field"]);
        Assert.Equal("contact_email", Assert.Single(status.GetDetail<Google.Rpc.BadRequest>().FieldViolations).Field);
        var both = status.GetDetail<LocalizedMessages>();
        Assert.Equal("contact_email: 必須項目です", both.Ja);
        Assert.Equal("contact_email: is required", both.En);
    }

    [Theory]
    [InlineData("ja", true)]
    [InlineData("ja-JP,en;q=0.5", true)]
    [InlineData("en-US", false)]
    [InlineData(null, false)]
    public void Language_follows_accept_language(string? header, bool japanese)
    {
        var headers = new Metadata();
        if (header is not null)
        {
            headers.Add("accept-language", header);
        }
        Assert.Equal(japanese, ErrorInterceptor.PrefersJapanese(headers));
    }
}
