using GmoSign.Grains;
using GmoSign.Platform.Errors;
using GmoSign.Signing;
using Microsoft.Extensions.Options;

namespace GmoSign.UnitTests;

public sealed class SignAdmissionTests
{
    private static SignAdmission Admission(int concurrent, int queue) =>
        new(Options.Create(new EnvelopeOptions { MaxConcurrentSigns = concurrent, SignQueueLimit = queue }));

    [Fact]
    public async Task Calls_beyond_the_limit_wait_and_are_let_in_oldest_first()
    {
        using var admission = Admission(concurrent: 1, queue: 10);
        var first = await admission.EnterAsync(CancellationToken.None);
        var order = new List<int>();
        var waiting = Enumerable.Range(1, 3).Select(async i =>
        {
            using var turn = await admission.EnterAsync(CancellationToken.None);
            lock (order)
            {
                order.Add(i);
            }
        }).ToList();
        await Task.Delay(100);
        Assert.Empty(order); // all three wait for the first
        first.Dispose();
        await Task.WhenAll(waiting);
        Assert.Equal([1, 2, 3], order);
    }

    [Fact]
    public async Task A_full_queue_answers_unavailable_and_a_cancelled_wait_leaves_the_queue()
    {
        using var admission = Admission(concurrent: 1, queue: 1);
        var first = await admission.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var queued = admission.EnterAsync(cancel.Token).AsTask();

        var refused = await Assert.ThrowsAsync<TimeoutException>(() => admission.EnterAsync(CancellationToken.None).AsTask());
        Assert.Equal("timed out", ErrorInterceptor.Unavailability(refused)); // UNAVAILABLE with retry-after for the client

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        var next = admission.EnterAsync(CancellationToken.None).AsTask(); // the cancelled wait freed its place
        first.Dispose();
        using var turn = await next;
        Assert.True(turn.IsAcquired);
    }
}
