using GmoSign.Reseller;

namespace GmoSign.UnitTests;

public sealed class InstalledTermsTests
{
    [Fact]
    public void The_shipped_terms_name_their_version_and_effective_date_from_their_last_supplementary_provision()
    {
        Assert.Equal("2025-05-12", InstalledTerms.Version);
        Assert.Equal(new DateTimeOffset(2025, 5, 12, 0, 0, 0, TimeSpan.FromHours(9)), InstalledTerms.EffectiveAt);
        Assert.Equal("電子印鑑ＧＭＯサイン利用約款（販売代理店顧客用）", InstalledTerms.Title);
        Assert.Contains("第２９条（言語条項）", InstalledTerms.Text);
    }
}
