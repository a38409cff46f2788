using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>An HTTP endpoint on loopback that records webhook calls; <see cref="FailNext"/> answers 500 to the next calls.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Signature, string Event, string Body, DateTimeOffset At)> _received = new();
    private int _fail;

    public WebhookReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/gmosign";

    public int Failed;

    public IReadOnlyList<(string Signature, string Event, string Body, DateTimeOffset At)> Received => _received.ToArray();

    public void FailNext(int count) => Interlocked.Exchange(ref _fail, count);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref _fail) >= 0)
            {
                Interlocked.Increment(ref Failed);
                context.Response.StatusCode = 500;
            }
            else
            {
                Interlocked.Exchange(ref _fail, 0);
                _received.Enqueue((context.Request.Headers["x-gmosign-signature"] ?? "", context.Request.Headers["x-gmosign-event"] ?? "", body, DateTimeOffset.UtcNow));
                context.Response.StatusCode = 204;
            }
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
