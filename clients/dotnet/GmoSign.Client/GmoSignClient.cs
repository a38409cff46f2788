using System.Net;
using Google.Protobuf;
using GmoSign.Accounts.V1;
using GmoSign.Reseller.V1;
using GmoSign.Retention.V1;
using GmoSign.Signing.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace GmoSign.Client;

/// <summary>How a caller proves who it is: one of these is sent with every call.</summary>
public abstract record GmoSignCredentials
{
    private GmoSignCredentials()
    {
    }

    internal abstract void AddTo(Metadata headers);

    /// <summary>A tenant user's or operator's session token (from <c>Login</c>).</summary>
    public static GmoSignCredentials Session(string token) => new Bearer(token);

    /// <summary>A recipient's signing-link token (<c>gsl_…</c>).</summary>
    public static GmoSignCredentials SigningLink(string token) => new Bearer(token);

    /// <summary>An integration's API key, or a reseller's key.</summary>
    public static GmoSignCredentials ApiKey(string key) => new Key(key);

    private sealed record Bearer(string Token) : GmoSignCredentials
    {
        internal override void AddTo(Metadata headers) => headers.Add("authorization", "Bearer " + Token);
    }

    private sealed record Key(string Value) : GmoSignCredentials
    {
        internal override void AddTo(Metadata headers) => headers.Add("x-api-key", Value);
    }
}

public sealed record GmoSignClientOptions
{
    /// <summary>The service's address: its HTTP/2 gRPC port, or with <see cref="UseGrpcWeb"/> its HTTP/1.1 port.</summary>
    public required Uri Address { get; init; }

    /// <summary>gRPC-Web over HTTP/1.1 (through proxies that do not pass HTTP/2), as the browser pages call.</summary>
    public bool UseGrpcWeb { get; init; }

    public GmoSignCredentials? Credentials { get; init; }

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>Japanese or English messages in errors (<c>accept-language</c>); Japanese by default.</summary>
    public string Language { get; init; } = "ja";
}

/// <summary>Progress of an upload or a download: bytes done of the whole.</summary>
public readonly record struct TransferProgress(long Bytes, long Total);

/// <summary>
/// One connection to GmoSign with every service's client: <see cref="Accounts"/>, <see cref="Resellers"/>,
/// <see cref="Operator"/>, <see cref="Signing"/>, <see cref="Retention"/>. Unary calls carry the credentials, get a
/// request id when they have none, are retried on UNAVAILABLE and RESOURCE_EXHAUSTED with the same request id, and fail
/// with a <see cref="GmoSignException"/>.
/// </summary>
public sealed class GmoSignClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private volatile GmoSignCredentials? _credentials;

    public GmoSignClient(GmoSignClientOptions options)
    {
        _credentials = options.Credentials;
        _channel = GrpcChannel.ForAddress(options.Address, options.UseGrpcWeb
            ? new GrpcChannelOptions
            {
                HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new HttpClientHandler()),
                HttpVersion = HttpVersion.Version11,
                HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            }
            : new GrpcChannelOptions());
        var invoker = _channel.CreateCallInvoker()
            .Intercept(new RetryInterceptor(options.Retry))
            .Intercept(headers =>
            {
                _credentials?.AddTo(headers);
                headers.Add("accept-language", options.Language);
                return headers;
            });
        Accounts = new AccountsService.AccountsServiceClient(invoker);
        Resellers = new ResellerService.ResellerServiceClient(invoker);
        Operator = new OperatorService.OperatorServiceClient(invoker);
        Signing = new SigningService.SigningServiceClient(invoker);
        Retention = new RetentionService.RetentionServiceClient(invoker);
    }

    public AccountsService.AccountsServiceClient Accounts { get; }

    public ResellerService.ResellerServiceClient Resellers { get; }

    public OperatorService.OperatorServiceClient Operator { get; }

    public SigningService.SigningServiceClient Signing { get; }

    public RetentionService.RetentionServiceClient Retention { get; }

    /// <summary>The credentials sent from now on (e.g. after <see cref="LoginAsync"/>).</summary>
    public GmoSignCredentials? Credentials
    {
        get => _credentials;
        set => _credentials = value;
    }

    /// <summary>Signs in with a login id, password and (when enrolled) a TOTP code, and uses the session from then on.</summary>
    public async Task<LoginResponse> LoginAsync(string loginId, string password, string? totpCode = null, CancellationToken cancellationToken = default)
    {
        var response = await Accounts.LoginAsync(new LoginRequest { LoginId = loginId, Password = password, TotpCode = totpCode ?? "" },
            cancellationToken: cancellationToken);
        Credentials = GmoSignCredentials.Session(response.SessionToken);
        return response;
    }

    /// <summary>
    /// Uploads a PDF to a draft envelope through an upload session, in the chunks the service asks for, reporting
    /// progress. A chunk that fails (connection lost, service restarting) is resumed from what the service holds;
    /// the same <paramref name="requestId"/> on another attempt finds the session's document instead of adding it twice.
    /// </summary>
    public async Task<FinishUploadResponse> UploadDocumentAsync(string envelopeId, string fileName, Stream content, IProgress<TransferProgress>? progress = null,
        string? requestId = null, CancellationToken cancellationToken = default)
    {
        if (!content.CanSeek)
        {
            var buffered = new MemoryStream();
            await content.CopyToAsync(buffered, cancellationToken);
            buffered.Position = 0;
            content = buffered;
        }
        var total = content.Length - content.Position;
        var origin = content.Position;
        var upload = (await Signing.StartUploadAsync(new StartUploadRequest
        {
            EnvelopeId = envelopeId, FileName = fileName, SizeBytes = total, RequestId = requestId ?? Guid.NewGuid().ToString("N"),
        }, cancellationToken: cancellationToken)).Upload;
        var buffer = new byte[Math.Max(1, upload.MaxChunkBytes)];
        var failures = 0;
        while (upload.ReceivedBytes < total)
        {
            content.Position = origin + upload.ReceivedBytes;
            var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, total - upload.ReceivedBytes)), 1, false, cancellationToken);
            try
            {
                upload = (await Signing.UploadChunkAsync(new UploadChunkRequest
                {
                    UploadId = upload.UploadId, Offset = upload.ReceivedBytes, Chunk = ByteString.CopyFrom(buffer, 0, read),
                }, cancellationToken: cancellationToken)).Upload;
                failures = 0;
            }
            catch (GmoSignException error) when ((error.IsRetryable || error.Reason == "UPLOAD_OFFSET") && ++failures < 5)
            {
                // Continue from what the service has (a chunk may have arrived although its answer did not).
                upload = (await Signing.GetUploadAsync(new GetUploadRequest { UploadId = upload.UploadId }, cancellationToken: cancellationToken)).Upload;
            }
            progress?.Report(new TransferProgress(upload.ReceivedBytes, total));
        }
        return await Signing.FinishUploadAsync(new FinishUploadRequest { UploadId = upload.UploadId }, cancellationToken: cancellationToken);
    }

    /// <summary>Downloads a document (its current, signed revision) into <paramref name="destination"/>; returns its file name.</summary>
    public async Task<string> DownloadDocumentAsync(string envelopeId, string documentId, Stream destination, IProgress<TransferProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            using var call = Signing.DownloadDocument(new Signing.V1.DownloadDocumentRequest { EnvelopeId = envelopeId, DocumentId = documentId },
                cancellationToken: cancellationToken);
            string fileName = "";
            long total = 0, done = 0;
            await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (part.FileName.Length > 0)
                {
                    (fileName, total) = (part.FileName, part.SizeBytes);
                }
                part.Chunk.WriteTo(destination);
                done += part.Chunk.Length;
                progress?.Report(new TransferProgress(done, total));
            }
            return fileName;
        }
        catch (RpcException error)
        {
            throw GmoSignException.From(error);
        }
    }

    public void Dispose() => _channel.Dispose();
}
