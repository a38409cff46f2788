using GmoSign.Common.V1;
using GmoSign.Errors;

namespace GmoSign.Platform.Validation;

/// <summary>Calendar dates read from requests (JST), named by their field when invalid; written with <see cref="WireTime"/>.</summary>
public static class Dates
{
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
}
