using System.Globalization;
using System.Text;
using GmoSign.Common.V1;
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

/// <summary>Calendar dates on the wire (JST).</summary>
public static class Dates
{
    public static readonly TimeSpan Jst = TimeSpan.FromHours(9);

    public static DateOnly Required(CalendarDate? date, string field) =>
        Optional(date, field) ?? throw DomainException.Required(field);

    public static DateOnly? Optional(CalendarDate? date, string field)
    {
        if (date is null || (date.Year == 0 && date.Month == 0 && date.Day == 0))
        {
            return null;
        }
        if (date.Year is < 1 or > 9999 || date.Month is < 1 or > 12 || date.Day < 1 || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            throw DomainException.Invalid(field, "is not a valid date", "有効な日付ではありません");
        }
        return new DateOnly(date.Year, date.Month, date.Day);
    }

    /// <summary>A month: the day is ignored (0 allowed).</summary>
    public static DateOnly Month(CalendarDate? date, string field)
    {
        if (date is null || date.Year == 0)
        {
            throw DomainException.Required(field);
        }
        return Required(new CalendarDate { Year = date.Year, Month = date.Month, Day = 1 }, field);
    }

    public static CalendarDate ToProto(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(Jst).DateTime);
}
