using System.Reflection;
using GmoSign.Common.V1;
using GmoSign.Errors;
using GmoSign.Platform.Errors;
using GmoSign.Platform.Pipeline;
using GmoSign.Platform.Validation;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging.Abstractions;

namespace GmoSign.UnitTests;

/// <summary>
/// Every interceptor on the request path sees every call kind: they all derive from <see cref="CallInterceptor"/>,
/// whose four handlers are sealed, and each kind really reaches the interceptor's one method — a future
/// duplex-streaming RPC cannot skip error mapping, validation, authentication, maintenance or rate limits.
/// </summary>
public sealed class InterceptorCoverageTests
{
    private static readonly string[] ServerHandlers =
    [
        nameof(Interceptor.UnaryServerHandler), nameof(Interceptor.ClientStreamingServerHandler),
        nameof(Interceptor.ServerStreamingServerHandler), nameof(Interceptor.DuplexStreamingServerHandler),
    ];

    private static Type[] InterceptorTypes() => typeof(ErrorInterceptor).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Interceptor)) && !t.IsAbstract).ToArray();

    [Fact]
    public void The_request_path_has_its_five_interceptors_all_on_the_one_base()
    {
        var types = InterceptorTypes();
        Assert.Equal(5, types.Length);
        Assert.All(types, t => Assert.True(t.IsSubclassOf(typeof(CallInterceptor)), $"{t.Name} does not derive from CallInterceptor"));
    }

    [Fact]
    public void The_base_handles_the_four_call_kinds_and_no_interceptor_can_override_them()
    {
        foreach (var handler in ServerHandlers)
        {
            var method = typeof(CallInterceptor).GetMethods(BindingFlags.Instance | BindingFlags.Public).Single(m => m.Name == handler);
            Assert.Equal(typeof(CallInterceptor), method.DeclaringType);
            Assert.True(method.IsFinal, $"CallInterceptor.{handler} is not sealed");
        }
    }

    [Fact]
    public async Task Each_call_kind_reaches_the_interceptor_with_its_request_or_stream_and_the_result_passes_through()
    {
        var probe = new Probe();
        var context = new TestContext();
        var message = new CalendarDate { Year = 2026 };
        var stream = new Stream<CalendarDate>(message);

        Assert.Same(message, await probe.UnaryServerHandler(message, context, (r, _) => Task.FromResult(r)));
        Assert.Same(message, await probe.ClientStreamingServerHandler(stream, context, async (s, _) => await s.MoveNext(default) ? s.Current : null!));
        await probe.ServerStreamingServerHandler(message, new Writer<CalendarDate>(), context, (_, _, _) => Task.CompletedTask);
        await probe.DuplexStreamingServerHandler(new Stream<CalendarDate>(), new Writer<CalendarDate>(), context, (_, _, _) => Task.CompletedTask);

        Assert.Equal(
            [
                (MethodType.Unary, true, false), (MethodType.ClientStreaming, false, true),
                (MethodType.ServerStreaming, true, false), (MethodType.DuplexStreaming, false, true),
            ],
            probe.Seen);
    }

    [Fact]
    public async Task Validation_and_error_mapping_act_on_every_call_kind()
    {
        var validation = new RequestValidationInterceptor();
        var errors = new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance);
        var context = new TestContext();
        var bad = new CalendarDate { Year = 100_000 }; // beyond the declared range of a calendar year
        Assert.ThrowsAny<DomainException>(() => MessageLimits.Validate(bad));

        // Validation refuses the bad message whether it comes alone or in a stream.
        await Assert.ThrowsAsync<DomainException>(() => validation.UnaryServerHandler(bad, context, (_, _) => Task.FromResult(bad)));
        await Assert.ThrowsAsync<DomainException>(() => validation.ServerStreamingServerHandler(bad, new Writer<CalendarDate>(), context,
            (_, _, _) => Task.CompletedTask));
        await Assert.ThrowsAsync<DomainException>(() => validation.ClientStreamingServerHandler(new Stream<CalendarDate>(bad), context,
            async (s, _) => await s.MoveNext(default) ? s.Current : bad));
        await Assert.ThrowsAsync<DomainException>(() => validation.DuplexStreamingServerHandler(new Stream<CalendarDate>(bad), new Writer<CalendarDate>(),
            context, async (s, _, _) => await s.MoveNext(default)));

        // Error mapping turns what the service throws into a status with the reason, for every kind.
        var refusal = DomainException.Invalid("year", "is out of range", "範囲外です");
        var statuses = new[]
        {
            await Assert.ThrowsAsync<RpcException>(() => errors.UnaryServerHandler<CalendarDate, CalendarDate>(bad, context, (_, _) => throw refusal)),
            await Assert.ThrowsAsync<RpcException>(() => errors.ClientStreamingServerHandler<CalendarDate, CalendarDate>(new Stream<CalendarDate>(), context,
                (_, _) => throw refusal)),
            await Assert.ThrowsAsync<RpcException>(() => errors.ServerStreamingServerHandler<CalendarDate, CalendarDate>(bad, new Writer<CalendarDate>(), context,
                (_, _, _) => throw refusal)),
            await Assert.ThrowsAsync<RpcException>(() => errors.DuplexStreamingServerHandler<CalendarDate, CalendarDate>(new Stream<CalendarDate>(),
                new Writer<CalendarDate>(), context, (_, _, _) => throw refusal)),
        };
        Assert.All(statuses, s => Assert.Equal(StatusCode.InvalidArgument, s.StatusCode));
    }

    /// <summary>Records what each call looked like from inside the one method.</summary>
    private sealed class Probe : CallInterceptor
    {
        public List<(MethodType Kind, bool HasRequest, bool HasStream)> Seen { get; } = [];

        protected override Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
        {
            Seen.Add((call.Kind, call.Request is not null, call.Requests is not null));
            return next(call);
        }
    }

    private sealed class Stream<T>(params T[] messages) : IAsyncStreamReader<T>
    {
        private int _next = -1;

        public T Current => messages[_next];

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_next < messages.Length);
    }

    private sealed class Writer<T> : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => Task.CompletedTask;
    }

    private sealed class TestContext : ServerCallContext
    {
        private readonly Dictionary<object, object> _state = new();

        protected override string MethodCore => "/gmosign.test.v1.Test/Call";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, new Dictionary<string, List<AuthProperty>>());
        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
