using GmoSign.Errors;
using GmoSign.Platform.Validation;

namespace GmoSign.UnitTests;

public sealed class CheckTests
{
    [Theory]
    [InlineData("a@example.jp")]
    [InlineData("first.last+tag@sub.example.co.jp")]
    public void Accepts_valid_emails(string email) => Assert.Equal(email, Check.Email(email, "email"));

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("Name <a@example.jp>")]
    [InlineData("a@example.jp, b@example.jp")]
    public void Rejects_invalid_emails_naming_the_field(string email)
    {
        var ex = Assert.Throws<DomainException>(() => Check.Email(email, "contact_email"));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("contact_email", ex.Field);
    }

    [Fact]
    public void Required_trims_and_bounds()
    {
        Assert.Equal("abc", Check.Required("  abc ", "name", 3));
        Assert.Equal("name", Assert.Throws<DomainException>(() => Check.Required("   ", "name", 3)).Field);
        Assert.Contains("at most 3", Assert.Throws<DomainException>(() => Check.Required("abcd", "name", 3)).English);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("日本語")]
    public void Request_ids_are_printable_ascii(string id) =>
        Assert.Equal("request_id", Assert.Throws<DomainException>(() => Check.RequestId(id)).Field);

    [Fact]
    public void Ids_must_be_uuids()
    {
        Assert.Equal("reseller_id", Assert.Throws<DomainException>(() => Check.Id("123", "reseller_id")).Field);
        Assert.Equal("reseller_id", Assert.Throws<DomainException>(() => Check.Id(Guid.Empty.ToString(), "reseller_id")).Field);
        var id = Guid.NewGuid();
        Assert.Equal(id, Check.Id(id.ToString(), "reseller_id"));
    }
}
