using System.Reflection;
using GmoSign.Errors;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmoSign.Platform.Errors;

/// <summary>
/// Binds every gRPC service the way grpc-dotnet's own binder does (through the generated static <c>BindService</c>
/// named by <see cref="BindServiceMethodAttribute"/>), with one difference: a request body that protobuf cannot parse
/// answers INVALID_ARGUMENT (reason <c>MALFORMED_MESSAGE</c>) instead of UNKNOWN. A unary request is decoded before any
/// interceptor runs, so only the method's own deserializer can say so.
/// </summary>
public sealed class DecodingServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (bind is null)
        {
            return;
        }
        var bindMethod = bind.BindType.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Single(m => m.Name == bind.BindMethodName && m.GetParameters() is [{ } first, _] && first.ParameterType == typeof(ServiceBinderBase));
        bindMethod.Invoke(null, [new Binder(context), null]);
    }

    /// <summary>The same call with a deserializer that turns a parse failure into INVALID_ARGUMENT.</summary>
    private static Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class where TResponse : class
    {
        var inner = method.RequestMarshaller;
        var marshaller = Marshallers.Create(inner.ContextualSerializer, context =>
        {
            try
            {
                return inner.ContextualDeserializer(context);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                throw ErrorInterceptor.ToRpcException(Malformed, japanese: false);
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    private static DomainException Malformed => new(ErrorKind.InvalidArgument, "MALFORMED_MESSAGE",
        "The request message could not be decoded as the RPC's protobuf message.",
        "リクエストのメッセージを protobuf として解釈できません。");

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Decoding(method), Attributes(method.Name),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Decoding(method), Attributes(method.Name),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Decoding(method), Attributes(method.Name),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Decoding(method), Attributes(method.Name),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        /// <summary>An open delegate over the service's own method (the generated base throws UNIMPLEMENTED when not overridden).</summary>
        private static TDelegate Invoker<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate =>
            (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), Find(name, parameters));

        private static MethodInfo Find(string name, Type[] parameters) =>
            typeof(TService).GetMethod(name, BindingFlags.Instance | BindingFlags.Public, parameters)
            ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}.");

        /// <summary>The endpoint metadata grpc-dotnet gives a method: the service's attributes, then the method's.</summary>
        private static List<object> Attributes(string name)
        {
            var method = typeof(TService).GetMethods(BindingFlags.Instance | BindingFlags.Public).FirstOrDefault(m => m.Name == name);
            return [.. typeof(TService).GetCustomAttributes(inherit: true), .. method?.GetCustomAttributes(inherit: true) ?? []];
        }
    }
}

public static class DecodingServiceMethodProviderRegistration
{
    /// <summary>Replaces grpc-dotnet's method binder with <see cref="DecodingServiceMethodProvider{TService}"/>; call after AddGrpc.</summary>
    public static IServiceCollection AddMalformedMessageStatus(this IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(DecodingServiceMethodProvider<>)));
}
