using System.Reflection;
using Grpc.Core.Interceptors;

namespace GmoSign.UnitTests;

/// <summary>
/// Every interceptor on the request path handles every call kind itself: one that left a kind to the base class would
/// let, say, a future duplex-streaming RPC skip error mapping, validation, authentication, maintenance or rate limits.
/// </summary>
public sealed class InterceptorCoverageTests
{
    private static readonly string[] ServerHandlers =
    [
        nameof(Interceptor.UnaryServerHandler), nameof(Interceptor.ClientStreamingServerHandler),
        nameof(Interceptor.ServerStreamingServerHandler), nameof(Interceptor.DuplexStreamingServerHandler),
    ];

    private static Type[] InterceptorTypes() => typeof(GmoSign.Platform.Errors.ErrorInterceptor).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Interceptor)) && !t.IsAbstract).ToArray();

    public static TheoryData<Type> Interceptors()
    {
        var data = new TheoryData<Type>();
        foreach (var type in InterceptorTypes())
        {
            data.Add(type);
        }
        return data;
    }

    [Fact]
    public void The_request_path_has_its_five_interceptors() =>
        Assert.Equal(5, InterceptorTypes().Length);

    [Theory]
    [MemberData(nameof(Interceptors))]
    public void Each_interceptor_handles_unary_client_server_and_duplex_streaming_calls(Type interceptor)
    {
        foreach (var handler in ServerHandlers)
        {
            var method = interceptor.GetMethods(BindingFlags.Instance | BindingFlags.Public).Single(m => m.Name == handler);
            Assert.True(method.DeclaringType == interceptor, $"{interceptor.Name} leaves {handler} to the base class");
        }
    }
}
