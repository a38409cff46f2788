using GmoSign.Accounts;
using GmoSign.Errors;
using GmoSign.Platform.Security;

namespace GmoSign.UnitTests;

public sealed class AccountsTests
{
    [Theory]
    [InlineData("short-1A")]
    [InlineData("alllowercaseletters")]
    [InlineData("ALLUPPERCASE12")]
    public void Weak_passwords_are_refused(string password) =>
        Assert.Equal("password", Assert.Throws<DomainException>(() => Passwords.EnforcePolicy(password, "password")).Field);

    [Fact]
    public async Task Strong_passwords_pass_and_hashes_verify_only_the_right_password()
    {
        const string password = "Correct-Horse-9";
        Passwords.EnforcePolicy(password, "password");
        var passwords = new Passwords();
        var hash = await passwords.HashAsync(password, CancellationToken.None);
        Assert.DoesNotContain(password, hash);
        Assert.NotEqual(hash, await passwords.HashAsync(password, CancellationToken.None)); // salted
        Assert.True(await passwords.VerifyAsync(hash, password, CancellationToken.None));
        Assert.False(await passwords.VerifyAsync(hash, "Correct-Horse-8", CancellationToken.None));
    }

    [Fact]
    public void Secret_tokens_are_prefixed_unique_and_hashed()
    {
        var a = SecretTokens.Create("gss");
        var b = SecretTokens.Create("gss");
        Assert.StartsWith("gss_", a);
        Assert.NotEqual(a, b);
        Assert.Equal(43, a.Length - 4); // 256 bits, base64url without padding
        Assert.Equal(SecretTokens.Hash(a), SecretTokens.Hash(a));
        Assert.NotEqual(SecretTokens.Hash(a), SecretTokens.Hash(b));
    }
}
