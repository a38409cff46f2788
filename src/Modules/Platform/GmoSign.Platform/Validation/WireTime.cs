using GmoSign.Common.V1;
using GmoSign.Errors;
using Google.Protobuf.WellKnownTypes;

namespace GmoSign.Platform.Validation;

/// <summary>
/// Times and calendar dates between the records and the wire, the one way every service converts them. Times are
/// UTC instants (<see cref="Timestamp"/>); dates are Japanese calendar days (<see cref="CalendarDate"/>, read with
/// <see cref="Dates"/>). Times in requests were range-checked by the validation interceptor before a service reads them.
/// </summary>
public static class WireTime
{
    /// <summary>
    /// An optional time: null stays null (an unset message field). A set time uses Google.Protobuf's own
    /// <c>ToTimestamp()</c> (<see cref="TimeExtensions"/>).
    /// </summary>
    public static Timestamp? ToTimestamp(this DateTimeOffset? at) => at is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    public static CalendarDate ToCalendarDate(this DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    public static CalendarDate? ToCalendarDate(this DateOnly? date) => date is { } value ? value.ToCalendarDate() : null;

    /// <summary>A time the request may leave unset.</summary>
    public static DateTimeOffset? Optional(Timestamp? at) => at?.ToDateTimeOffset();

    /// <summary>A time the request must set; refused naming the field otherwise.</summary>
    public static DateTimeOffset Required(Timestamp? at, string field) => at?.ToDateTimeOffset() ?? throw DomainException.Required(field);
}
