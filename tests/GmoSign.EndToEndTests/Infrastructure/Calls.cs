using GmoSign.Accounts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>Small helpers shared by the end-to-end tests.</summary>
public static class Calls
{
    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public static Metadata ApiKey(string key) => new() { { "x-api-key", key } };

    public static async Task<string> LoginAsync(GrpcChannel channel, string loginId, string password)
    {
        var reply = await new AccountsService.AccountsServiceClient(channel)
            .LoginAsync(new LoginRequest { LoginId = loginId, Password = password });
        return reply.SessionToken;
    }

    public static Task<string> LoginOperatorAsync(GrpcChannel channel) =>
        LoginAsync(channel, HostProcess.OperatorLogin, HostProcess.OperatorPassword);

    /// <summary>Runs a call that must fail and returns its status.</summary>
    public static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        return ex;
    }

    /// <summary>The google.rpc.ErrorInfo reason and field of a failed call.</summary>
    public static (string Reason, string? Field) ErrorInfo(RpcException ex)
    {
        var status = ex.GetRpcStatus() ?? throw new InvalidOperationException("No rich status in the trailers.");
        var info = status.GetDetail<Google.Rpc.ErrorInfo>() ?? throw new InvalidOperationException("No ErrorInfo detail.");
        return (info.Reason, info.Metadata.TryGetValue("field", out var field) ? field : null);
    }

    /// <summary>A gRPC channel whose connections leave from the given local address (e.g. 127.0.0.2: another office, on Linux's loopback).</summary>
    public static Grpc.Net.Client.GrpcChannel ChannelFrom(System.Net.IPAddress local, int port)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new System.Net.IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        return Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });
    }
}
