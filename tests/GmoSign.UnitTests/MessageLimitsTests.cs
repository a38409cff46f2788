using GmoSign.Errors;
using GmoSign.Platform.Validation;
using GmoSign.Signing.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmoSign.UnitTests;

/// <summary>The descriptor-driven checks every request passes (defaults in gmosign/common/v1/validation.proto).</summary>
public sealed class MessageLimitsTests
{
    private static CreateEnvelopeRequest Valid() => new()
    {
        RequestId = "r-1", Title = "業務委託契約書", Message = "ご確認ください。\r\n\tよろしくお願いします。",
        Recipients = { new RecipientInput { Name = "山田 太郎", Email = "taro@example.jp", Step = 1 } },
        Retention = new RetentionMetadata { Tags = { "営業" }, TransactionDate = new() { Year = 2026, Month = 2, Day = 28 } },
    };

    private static DomainException Refused(Google.Protobuf.IMessage message) =>
        Assert.Throws<DomainException>(() => MessageLimits.Validate(message));

    [Fact]
    public void A_valid_request_with_line_breaks_and_tabs_passes() => MessageLimits.Validate(Valid());

    [Theory]
    [InlineData('\u0000', "U+0000")]
    [InlineData('\u001b', "U+001B")]
    [InlineData('\u007f', "U+007F")]
    [InlineData('\u0085', "U+0085")]
    [InlineData('\uffff', "U+FFFF")]
    public void Control_characters_are_refused_with_the_field_path(char bad, string code)
    {
        var request = Valid();
        request.Recipients.Add(new RecipientInput { Name = "ok", Email = "b@example.jp" });
        request.Recipients.Add(new RecipientInput { Name = $"花子{bad}", Email = "c@example.jp" });
        var error = Refused(request);
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("recipients[2].name", error.Field);
        Assert.Equal("CONTROL_CHARACTER", error.Reason);
        Assert.Equal(code, error.Metadata["character"]);
    }

    [Fact]
    public void Long_strings_and_long_lists_are_refused()
    {
        var request = Valid();
        request.Title = new string('長', MessageLimits.DefaultMaxLength + 1);
        Assert.Equal("title", Refused(request).Field);

        request = Valid();
        request.ApproverUserIds.AddRange(Enumerable.Range(0, 10_000).Select(i => i.ToString()));
        var tooMany = Refused(request);
        Assert.Equal(("approver_user_ids", "TOO_MANY_ITEMS"), (tooMany.Field, tooMany.Reason));

        // A field's own limit from the proto option replaces the default.
        request = Valid();
        request.Retention.Tags.AddRange(Enumerable.Range(0, 20).Select(i => "t" + i));
        Assert.Equal("retention.tags", Refused(request).Field);
    }

    [Theory]
    [InlineData(0, -5)]
    [InlineData(0, 2_000_000_000)]
    [InlineData(253_402_300_800, 0)] // year 10000
    [InlineData(-62_135_596_801, 0)] // before year 1
    public void Invalid_timestamps_are_refused(long seconds, int nanos)
    {
        var request = new GmoSign.Accounts.V1.GrantDelegationRequest { ValidUntil = new Timestamp { Seconds = seconds, Nanos = nanos } };
        Assert.Equal("valid_until", Refused(request).Field);
    }

    [Fact]
    public void Impossible_dates_and_unknown_enum_values_are_refused()
    {
        var request = Valid();
        request.Retention.TransactionDate = new() { Year = 2026, Month = 2, Day = 29 };
        Assert.Equal("retention.transaction_date", Refused(request).Field);

        request = Valid();
        request.Recipients[0].Role = (RecipientRole)99;
        Assert.Equal("recipients[0].role", Refused(request).Field);
    }
}
