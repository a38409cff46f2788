using GmoSign.Client;
using GmoSign.Signing.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Xunit;

namespace GmoSign.Client.Tests;

/// <summary>The client's retry policy and error decoding, against a scripted call invoker (no network).</summary>
public sealed class ClientTests
{
    /// <summary>Answers each unary call with the next scripted outcome and records the requests it saw.</summary>
    private sealed class ScriptedInvoker(params Func<RpcException?>[] outcomes) : CallInvoker
    {
        private int _next;

        public List<object> Requests { get; } = [];

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options,
            TRequest request)
        {
            Requests.Add(((Google.Protobuf.IDeepCloneable<TRequest>)request).Clone()!);
            var error = outcomes[Math.Min(_next++, outcomes.Length - 1)]();
            var response = error is null ? Task.FromResult(Activator.CreateInstance<TResponse>()) : Task.FromException<TResponse>(error);
            return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => error?.Status ?? Grpc.Core.Status.DefaultSuccess,
                () => error?.Trailers ?? [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
            CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
            string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
            string? host, CallOptions options) => throw new NotSupportedException();
    }

    /// <summary>A refusal as GmoSign sends it: status, ErrorInfo, BadRequest, localized messages, retry-after trailer.</summary>
    private static RpcException Refusal(Code code, string reason, string field, string ja, string en, string? retryAfter = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = "gmosign.jp", Metadata = { ["field"] = field } };
        if (retryAfter is not null)
        {
            info.Metadata["retry_after"] = retryAfter;
        }
        var status = new Google.Rpc.Status
        {
            Code = (int)code, Message = en,
            Details =
            {
                Any.Pack(info),
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = en } } }),
                Any.Pack(new Common.V1.LocalizedMessages { Ja = ja, En = en }),
            },
        };
        var error = status.ToRpcException();
        if (retryAfter is not null)
        {
            error.Trailers.Add("retry-after", retryAfter);
        }
        return error;
    }

    private static SigningService.SigningServiceClient Signing(CallInvoker invoker, int attempts = 3) =>
        new(invoker.Intercept(new RetryInterceptor(new RetryPolicy(attempts, TimeSpan.FromMilliseconds(1)))));

    [Fact]
    public async Task An_unavailable_service_is_asked_again_with_the_same_request_id_filled_in_once()
    {
        var invoker = new ScriptedInvoker(() => Refusal(Code.Unavailable, "UNAVAILABLE", "", "一時的に利用できません", "temporarily unavailable", "0"),
            () => Refusal(Code.ResourceExhausted, "RATE_LIMITED", "", "多すぎます", "too many", "0"), () => null);

        var request = new SendEnvelopeRequest { EnvelopeId = "e" };
        await Signing(invoker).SendEnvelopeAsync(request);

        var ids = invoker.Requests.Cast<SendEnvelopeRequest>().Select(r => r.RequestId).ToList();
        Assert.Equal(3, ids.Count);
        Assert.False(string.IsNullOrEmpty(ids[0]));
        Assert.All(ids, id => Assert.Equal(ids[0], id));
    }

    [Fact]
    public async Task A_refusal_arrives_typed_and_is_not_repeated()
    {
        var invoker = new ScriptedInvoker(() => Refusal(Code.InvalidArgument, "INVALID_FIELD", "recipients[2].email", "メールアドレスが正しくありません",
            "recipients[2].email: is not an e-mail address"));

        var error = await Assert.ThrowsAsync<GmoSignException>(() => Signing(invoker).CreateEnvelopeAsync(new CreateEnvelopeRequest()).ResponseAsync);

        Assert.Single(invoker.Requests);
        Assert.Equal((StatusCode.InvalidArgument, "INVALID_FIELD", "recipients[2].email"), (error.StatusCode, error.Reason, error.Field));
        Assert.Equal("メールアドレスが正しくありません", error.MessageJapanese);
        Assert.Equal("recipients[2].email: is not an e-mail address", error.MessageEnglish);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task Retries_stop_at_the_limit_with_the_services_wait_and_reason()
    {
        var invoker = new ScriptedInvoker(() => Refusal(Code.Unavailable, "MAINTENANCE", "", "メンテナンス中", "under maintenance", "0"));

        var error = await Assert.ThrowsAsync<GmoSignException>(() => Signing(invoker, attempts: 2).GetEnvelopeAsync(new GetEnvelopeRequest()).ResponseAsync);

        Assert.Equal(2, invoker.Requests.Count);
        Assert.Equal(("MAINTENANCE", TimeSpan.Zero), (error.Reason, error.RetryAfter));
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task A_change_without_a_request_id_is_never_repeated()
    {
        var invoker = new ScriptedInvoker(() => Refusal(Code.Unavailable, "UNAVAILABLE", "", "利用できません", "unavailable", "0"), () => null);
        var accounts = new GmoSign.Accounts.V1.AccountsService.AccountsServiceClient(
            invoker.Intercept(new RetryInterceptor(new RetryPolicy(3, TimeSpan.FromMilliseconds(1)))));

        // Login carries no request id and is not a read: a second attempt could count twice against the lockout.
        await Assert.ThrowsAsync<GmoSignException>(() => accounts.LoginAsync(new GmoSign.Accounts.V1.LoginRequest { LoginId = "a", Password = "b" }).ResponseAsync);
        Assert.Single(invoker.Requests);
    }

    [Fact]
    public void The_backoff_grows_and_the_services_wait_wins()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal([1, 2, 4, 5], new[] { 1, 2, 3, 4 }.Select(a => (int)policy.Delay(a, null).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(3), policy.Delay(1, TimeSpan.FromSeconds(3)));
    }
}
