namespace GmoSign.Grains.Envelopes;

/// <summary>
/// GMO Sign routing: signers sign by step number, lowest first; equal numbers sign in parallel; a step completes
/// when all its signers signed, or any one of them when the sender marked it so. Pure functions over the state.
/// </summary>
internal static class EnvelopeRouting
{
    /// <summary>Signers still in play (a reassigned recipient is replaced by the one who took over).</summary>
    public static IEnumerable<RecipientState> ActiveSigners(EnvelopeState s) =>
        s.Recipients.Where(r => !r.CarbonCopy && r.Status != RecipientStatus.Reassigned);

    public static bool StepComplete(EnvelopeState s, int step)
    {
        var signers = ActiveSigners(s).Where(r => r.Step == step).ToList();
        return s.AnyOneSteps.Contains(step)
            ? signers.Any(r => r.Status == RecipientStatus.Signed)
            : signers.All(r => r.Status == RecipientStatus.Signed);
    }

    /// <summary>The lowest step not yet complete, or null when every step is.</summary>
    public static int? CurrentStep(EnvelopeState s) =>
        ActiveSigners(s).Select(r => r.Step).Distinct().Order().Cast<int?>().FirstOrDefault(step => !StepComplete(s, step!.Value));

    /// <summary>Whether it is this recipient's turn to sign.</summary>
    public static bool CanSign(EnvelopeState s, RecipientState r) =>
        s.Status == EnvelopeStatus.Sent && !r.CarbonCopy && r.Status is RecipientStatus.Notified or RecipientStatus.Viewed
        && CurrentStep(s) == r.Step;

    /// <summary>Signers of the current step who have not been notified yet.</summary>
    public static List<RecipientState> DueForNotification(EnvelopeState s) =>
        CurrentStep(s) is { } step
            ? ActiveSigners(s).Where(r => r.Step == step && r.Status == RecipientStatus.Pending).ToList()
            : [];

    /// <summary>Signers whose turn it is and who have not signed (reminders, resend).</summary>
    public static List<RecipientState> Waiting(EnvelopeState s) =>
        s.Status == EnvelopeStatus.Sent && CurrentStep(s) is { } step
            ? ActiveSigners(s).Where(r => r.Step == step && r.Status is RecipientStatus.Notified or RecipientStatus.Viewed).ToList()
            : [];

    /// <summary>
    /// Reminder times: the given days before expiry, or every N days after sending — only times after sending and
    /// before expiry.
    /// </summary>
    public static List<DateTimeOffset> ReminderTimes(EnvelopeState s, TimeSpan day)
    {
        if (s.SentAt is not { } sent || s.ExpiresAt is not { } expires)
        {
            return [];
        }
        IEnumerable<DateTimeOffset> times = s.ReminderEveryDays > 0
            ? Enumerable.Range(1, 1000).Select(k => sent + day * (k * s.ReminderEveryDays)).TakeWhile(t => t < expires)
            : s.ReminderDaysBeforeExpiry.Select(d => expires - day * d);
        return times.Where(t => t > sent && t < expires).Distinct().Order().ToList();
    }
}
