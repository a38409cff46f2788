namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>
/// Waits for a condition instead of sleeping a guessed time: polls until it holds, and fails with a message naming
/// the condition if it does not hold within the bound. The bound is generous; the wait usually ends much sooner.
/// </summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still not true after {(within ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s: {what}");
            }
            await Task.Delay(100);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, within);

    /// <summary>Until the database's clock has passed the time a query returns (e.g. a stored deadline).</summary>
    public static Task PassedAsync(TestDatabase database, string deadlineQuery, object parameter, string what, TimeSpan? within = null) =>
        HoldsAsync(async () => await database.ScalarAsync<bool>($"SELECT now() > ({deadlineQuery})", parameter), what, within);
}
