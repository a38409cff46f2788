using GmoSign.Accounts;
using GmoSign.Grains;
using GmoSign.Reseller;

namespace GmoSign.UnitTests;

public sealed class ScreeningTests
{
    [Theory]
    [InlineData("7000012050002", true)]   // 国税庁
    [InlineData("8000012050002", false)]  // wrong check digit
    [InlineData("700001205000", false)]   // 12 digits
    [InlineData("70000120500a2", false)]
    public void Corporate_numbers_are_checked_by_their_check_digit(string number, bool valid) =>
        Assert.Equal(valid, Screening.IsValidCorporateNumber(number));

    [Theory]
    [InlineData(2008, 11, 28, 18)]
    [InlineData(2008, 11, 29, 17)]
    [InlineData(2010, 1, 1, 16)]
    public void Age_is_counted_in_completed_years(int year, int month, int day, int age) =>
        Assert.Equal(age, Screening.AgeOn(new DateOnly(year, month, day), new DateOnly(2026, 11, 28)));

    private static ApplicationData Data(CustomerKind kind, DateOnly? born = null, bool consent = false, bool identity = true, bool declared = true) => new(
        new CustomerProfile("x", kind, null, null, "a@example.jp", "addr", null), "light", 12, new(), identity ? new IdentityEvidence("m", "r", new DateOnly(2026, 1, 1)) : null,
        declared, born, consent, "v1");

    [Fact]
    public void A_minor_needs_a_guardians_consent()
    {
        var today = new DateOnly(2026, 11, 28);
        Assert.Equal([Screening.MinorWithoutGuardianConsent], Screening.Findings(Data(CustomerKind.Consumer, new DateOnly(2010, 1, 1)), today, new HashSet<string>()));
        Assert.Empty(Screening.Findings(Data(CustomerKind.Consumer, new DateOnly(2010, 1, 1), consent: true), today, new HashSet<string>()));
        Assert.Empty(Screening.Findings(Data(CustomerKind.Consumer, new DateOnly(2008, 11, 28)), today, new HashSet<string>()));
    }

    [Fact]
    public void Records_and_missing_evidence_are_flagged()
    {
        var findings = Screening.Findings(Data(CustomerKind.Organization, identity: false, declared: false), new DateOnly(2026, 11, 28),
            new HashSet<string> { "delinquency", "terminated_for_cause" });
        Assert.Equal([Screening.IdentityNotVerified, Screening.PriorDelinquency, Screening.PriorTerminationForCause, Screening.AntiSocialDeclarationMissing], findings);
    }

    [Fact]
    public void Initial_passwords_satisfy_the_policy()
    {
        for (var i = 0; i < 200; i++)
        {
            Passwords.EnforcePolicy(TenantAdministration.InitialPassword(), "password");
        }
    }

    [Fact]
    public void Totp_matches_the_RFC_6238_test_vector()
    {
        // RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082 (eight digits) -> six digits 287082.
        var secret = System.Text.Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal("287082", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59))));
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Totp.Base32(secret));
        var now = DateTimeOffset.FromUnixTimeSeconds(59);
        Assert.Equal(1, Totp.Verify(secret, "287082", now, null));
        Assert.Null(Totp.Verify(secret, "287082", now, lastUsedStep: 1));
        Assert.Null(Totp.Verify(secret, "287082", now.AddMinutes(5), null));
    }
}
