namespace GmoSign.UnitTests;

/// <summary>The counting rules of one call budget (<see cref="RateBudget"/>), on a clock the test moves.</summary>
public sealed class RateBudgetTests
{
    private const long Window = 60_000;
    private const long Start = 1_800_000_000_000;

    [Fact]
    public void A_window_opens_with_the_first_call_admits_the_limit_and_refuses_until_it_closes()
    {
        var budget = new RateBudget();
        for (var call = 1; call <= 3; call++)
        {
            Assert.Equal(new BudgetReading(call, Start + Window, 0), budget.Take(3, Window, Start + call - 1));
        }
        var refused = budget.Take(3, Window, Start + 30_000);
        Assert.False(refused.Admitted);
        Assert.Equal((4, Start + Window, Start + Window), (refused.Count, refused.ResetAt, refused.RetryAt));

        // The next call after the window closed opens a new one at its own time.
        var next = budget.Take(3, Window, Start + Window + 5);
        Assert.Equal(new BudgetReading(1, Start + 2 * Window + 5, 0), next);
    }

    [Fact]
    public void A_failures_only_budget_waits_one_window_then_two_and_forgives_after_a_quiet_window()
    {
        var budget = new RateBudget();
        Assert.True(budget.Peek(2, Window, Start).Admitted);
        budget.RecordFailure(2, Window, Start);
        Assert.Equal(new BudgetReading(1, Start + Window, 0), budget.Peek(2, Window, Start + 1));
        budget.RecordFailure(2, Window, Start + 2);

        // Limit reached: a wait of one window, refused (and not counted) meanwhile.
        var waiting = budget.Peek(2, Window, Start + 3);
        Assert.Equal(new BudgetReading(2, Start + 2 + Window, Start + 2 + Window), waiting);
        Assert.Equal(waiting, budget.Peek(2, Window, Start + 4));

        // Overrunning again right after the wait: two windows.
        var afterWait = Start + 2 + Window;
        Assert.True(budget.Peek(2, Window, afterWait).Admitted);
        budget.RecordFailure(2, Window, afterWait);
        budget.RecordFailure(2, Window, afterWait + 1);
        Assert.Equal(afterWait + 1 + 2 * Window, budget.Peek(2, Window, afterWait + 2).RetryAt);

        // Two quiet windows after the wait: the strikes are forgiven, the next overrun waits one window again.
        var quiet = afterWait + 1 + 2 * Window + 2 * Window;
        Assert.True(budget.ForgettableAt(Window) <= quiet);
        budget.RecordFailure(2, Window, quiet);
        budget.RecordFailure(2, Window, quiet + 1);
        Assert.Equal(quiet + 1 + Window, budget.Peek(2, Window, quiet + 2).RetryAt);
    }

    [Fact]
    public void A_budget_is_forgettable_only_once_its_window_and_wait_are_over()
    {
        var budget = new RateBudget();
        budget.Take(5, Window, Start);
        Assert.Equal(Start + 2 * Window, budget.ForgettableAt(Window));
        budget.RecordFailure(1, Window, Start + 10);
        Assert.Equal(Start + 10 + Window + 2 * Window, budget.ForgettableAt(Window));
    }
}
