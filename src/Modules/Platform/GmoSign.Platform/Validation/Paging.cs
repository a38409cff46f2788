using System.Globalization;
using System.Text;
using GmoSign.Errors;

namespace GmoSign.Platform.Validation;

/// <summary>Opaque keyset cursors (time + id of the last row) and page sizes.</summary>
public static class Paging
{
    public static int Size(int requested, string field = "page_size", int fallback = 100, int max = 500)
    {
        if (requested == 0)
        {
            return fallback;
        }
        return requested < 0 || requested > max
            ? throw DomainException.Invalid(field, $"must be between 1 and {max}", $"1〜{max}の範囲で指定してください")
            : requested;
    }

    public static string Token(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{id:N}"));

    public static (DateTimeOffset At, Guid Id)? Parse(string? token, string field = "page_token")
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(token)).Split(':');
            return (new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw DomainException.Invalid(field, "is not a token from a previous page", "前のページで返されたトークンではありません");
        }
    }
}
