using GmoSign.EndToEndTests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Walks every RPC of every GmoSign proto service from the descriptors and sends, field by field, hostile values:
/// NUL and other control characters, 1 MB strings, invalid timestamps, extreme dates, negative and huge numbers,
/// NaN, unknown enum values and 10,000-element lists. No call may answer INTERNAL or UNKNOWN, a refused call writes
/// no row, and the host stays healthy. A new RPC or field is walked without changing this test.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>RPCs that, given a plausible request, would change the test's own ground (its session, the whole service).</summary>
    private static readonly Dictionary<string, string> OnlyHostileFields = new()
    {
        ["Logout"] = "would end the session the walk uses",
        ["StartMaintenance"] = "would put every RPC into maintenance",
        ["SetTwoFactorPolicy"] = "would require TOTP of the walking administrator",
        ["SetIpAllowList"] = "could lock the walking tenant out",
        ["ChangePassword"] = "could lock the walking administrator out",
        ["DeactivateUser"] = "could deactivate the walking administrator",
        ["SuspendReseller"] = "would refuse the walking reseller's key",
    };

    private static readonly Dictionary<string, string> KnownIds = new();

    /// <summary>Loopback, private, link-local, CGNAT, ULA, multicast and reserved hosts in the spellings an attacker tries.</summary>
    public static readonly string[] InternalUrls =
    [
        "https://127.0.0.1:8443/x", "https://127.1/", "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/",
        "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[::127.0.0.1]/", "https://[64:ff9b::a00:1]/",
        "https://[2002:a9fe:a9fe::1]/", "https://localhost/", "https://LOCALHOST./", "https://api.localhost/", "https://printer.local/",
        "https://metadata.google.internal/", "https://intranet/", "https://0.0.0.0/", "https://0/", "https://10.0.0.1/",
        "https://172.16.0.1/", "https://192.168.1.1/", "https://100.64.0.1/", "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/", "https://[fe80::1]/", "https://[ff02::1]/", "https://224.0.0.1/", "https://255.255.255.255/",
        "https://198.18.0.1/", "https://192.0.2.1/", "https://[2001:db8::1]/", "https://[::]/",
    ];

    /// <summary>Every service; the operator's and the reseller's last, since their walk may terminate the walking tenant.</summary>
    private static readonly ServiceDescriptor[] Services =
    [
        Accounts.V1.AccountsReflection.Descriptor.Services[0],
        Signing.V1.SigningReflection.Descriptor.Services[0],
        Retention.V1.RetentionReflection.Descriptor.Services[0],
        Reseller.V1.ContractReflection.Descriptor.Services[0],
        Reseller.V1.OperatorReflection.Descriptor.Services[0],
        Reseller.V1.ResellerReflection.Descriptor.Services[0],
    ];

    [Fact]
    public async Task Every_rpc_refuses_hostile_fields_without_internal_errors_or_writes()
    {
        var settings = new Dictionary<string, string>
        {
            ["GmoSign__RateLimit__Limit"] = "1000000",
            // No lifecycle work in the background: every row change during the walk comes from the walk's calls.
            ["GmoSign__Lifecycle__CheckInterval"] = "01:00:00",
            ["GmoSign__Lifecycle__MonthLengthOverride"] = "30.00:00:00",
            ["GmoSign__Webhooks__AllowLoopbackForDevelopment"] = "false",
        };
        var platform = PlatformFixture.With(settings);
        await platform.InitializeAsync();
        try
        {
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var envelope = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("敵対的入力", Envelopes.Signer("署名者", 1)));
            var link = await Envelopes.LinkAsync(platform.Channel, admin, envelope, "署名者");
            var credentials = new (string Name, Metadata Headers)[]
            {
                ("tenant admin", admin), ("operator", platform.AsOperator), ("reseller", platform.AsReseller), ("signer link", link),
            };
            var me = await new Accounts.V1.AccountsService.AccountsServiceClient(platform.Channel).WhoAmIAsync(new Accounts.V1.WhoAmIRequest(), admin);
            // Real ids where a field names one, so that hostile values in the other fields reach past the look-up.
            KnownIds["envelope_id"] = envelope.EnvelopeId;
            KnownIds["recipient_id"] = envelope.Recipients[0].RecipientId;
            KnownIds["tenant_id"] = tenant.TenantId;
            KnownIds["reseller_id"] = platform.ResellerId;
            KnownIds["user_id"] = me.UserId;
            KnownIds["document_id"] = envelope.Documents.Count > 0 ? envelope.Documents[0].DocumentId : Guid.NewGuid().ToString();
            // The setup's own background work (the hand-over of the send to usage) is done before rows are counted.
            await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.handover") == 0,
                "the setup's hand-overs were carried out");
            var rows = new RowCounter(platform.Database);
            var invoker = platform.Channel.CreateCallInvoker();
            var problems = new List<string>();
            var calls = 0;

            foreach (var method in Services.SelectMany(s => s.Methods))
            {
                var plausible = !OnlyHostileFields.ContainsKey(method.Name);
                var baseRequest = plausible ? Plausible(method.InputType, 0) : method.InputType.Parser.ParseFrom(ByteString.Empty);
                // The first credential the RPC admits; the walk then runs as that caller.
                var headers = admin;
                foreach (var (_, candidate) in plausible ? credentials : [])
                {
                    var probe = await CallAsync(invoker, method, method.InputType.Parser.ParseFrom(ByteString.Empty), candidate);
                    if (probe is not StatusCode.Unauthenticated and not StatusCode.PermissionDenied)
                    {
                        headers = candidate;
                        break;
                    }
                }
                foreach (var (path, request) in Mutations(baseRequest, method.InputType, "", 0))
                {
                    var before = await rows.CountAsync();
                    var status = await CallAsync(invoker, method, request, headers);
                    calls++;
                    if (status is StatusCode.Internal or StatusCode.Unknown)
                    {
                        problems.Add($"{method.FullName} {path}: {status}");
                    }
                    if (status != StatusCode.OK && await rows.ChangedSinceAsync(before) is { } table)
                    {
                        problems.Add($"{method.FullName} {path}: refused with {status} but wrote to {table}");
                    }
                }
            }

            Assert.True(problems.Count == 0, $"{problems.Count} of {calls} calls:\n" + string.Join('\n', problems.Take(100)));
            Assert.True(calls > 500, $"only {calls} calls were made");
            // Bodies that are not the RPC's message: bytes protobuf cannot parse, and a message beyond the size limit.
            var login = Services[0].FindMethodByName("Login");
            var garbage = new byte[] { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 }; // field 1 claims a 4 GB string
            var undecodable = await Calls.FailsAsync(() => invoker.AsyncUnaryCall(
                new Method<byte[], byte[]>(MethodType.Unary, login.Service.FullName, login.Name, Bytes, Bytes), null, new CallOptions(), garbage).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, "MALFORMED_MESSAGE"), (undecodable.StatusCode, Calls.ErrorInfo(undecodable).Reason));
            var oversized = await Calls.FailsAsync(() => invoker.AsyncUnaryCall(
                new Method<byte[], byte[]>(MethodType.Unary, login.Service.FullName, login.Name, Bytes, Bytes), null, new CallOptions(),
                new Accounts.V1.LoginRequest { LoginId = new string('x', 20 * 1024 * 1024) }.ToByteArray()).ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, oversized.StatusCode);

            // Webhooks never reach the operator's network: every internal spelling is refused at registration.
            var signing = new Signing.V1.SigningService.SigningServiceClient(platform.Channel);
            foreach (var url in InternalUrls)
            {
                var refused = await Calls.FailsAsync(() => signing.CreateWebhookEndpointAsync(
                    new Signing.V1.CreateWebhookEndpointRequest { Url = url }, admin).ResponseAsync);
                Assert.True(refused.StatusCode == StatusCode.InvalidArgument && Calls.ErrorInfo(refused) == ("URL_NOT_PUBLIC", "url"), $"{url}: {refused.Status}");
            }
            await signing.CreateWebhookEndpointAsync(new Signing.V1.CreateWebhookEndpointRequest { Url = "https://hooks.example.com/gmosign" }, admin);

            Assert.False(platform.Host.HasExited);
            var health = await new Health.HealthClient(platform.Channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
            // The walk's own session still works: nothing it sent broke the tenant.
            await new Accounts.V1.AccountsService.AccountsServiceClient(platform.Channel).WhoAmIAsync(new Accounts.V1.WhoAmIRequest(), admin);
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }

    private static async Task<StatusCode> CallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, Metadata headers)
    {
        var raw = new Method<byte[], byte[]>(Kind(method), method.Service.FullName, method.Name, Bytes, Bytes);
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(60));
        var payload = request.ToByteArray();
        try
        {
            if (method.IsClientStreaming)
            {
                using var call = invoker.AsyncClientStreamingCall(raw, null, options);
                try
                {
                    await call.RequestStream.WriteAsync(payload);
                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
                {
                    // refused early: the status is in the response
                }
                await call.ResponseAsync;
            }
            else if (method.IsServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(raw, null, options, payload);
                var messages = 0;
                while (await call.ResponseStream.MoveNext(CancellationToken.None) && ++messages < 10_000)
                {
                }
            }
            else
            {
                await invoker.AsyncUnaryCall(raw, null, options, payload);
            }
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static MethodType Kind(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (true, true) => MethodType.DuplexStreaming,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        _ => MethodType.Unary,
    };

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>A request that looks like a real one (ids are UUIDs, e-mails valid, dates this year), so that hostile values get past the first check.</summary>
    private static IMessage Plausible(MessageDescriptor type, int depth)
    {
        var message = type.Parser.ParseFrom(ByteString.Empty);
        if (depth > 3)
        {
            return message;
        }
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            if (field.ContainingOneof is { } oneof && oneof.Accessor.GetCaseFieldDescriptor(message) is not null)
            {
                continue; // one member per oneof
            }
            var value = PlausibleValue(field, depth);
            if (value is null)
            {
                continue;
            }
            if (field.IsRepeated && !field.IsMap)
            {
                ((System.Collections.IList)field.Accessor.GetValue(message)).Add(value);
            }
            else if (!field.IsMap)
            {
                field.Accessor.SetValue(message, value);
            }
        }
        return message;
    }

    private static object? PlausibleValue(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String => field.Name switch
        {
            var n when KnownIds.TryGetValue(n, out var known) => known,
            var n when n.EndsWith("_id", StringComparison.Ordinal) || n.EndsWith("_ids", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
            var n when n.Contains("email", StringComparison.Ordinal) => $"walk-{Guid.NewGuid():N}@example.jp",
            var n when n.Contains("url", StringComparison.Ordinal) => "https://example.jp/hook",
            _ => "テスト",
        },
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 1,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 1L,
        FieldType.UInt32 or FieldType.Fixed32 => 1u,
        FieldType.UInt64 or FieldType.Fixed64 => 1ul,
        FieldType.Double => 1.0,
        FieldType.Float => 1.0f,
        FieldType.Bool => null,
        FieldType.Bytes => ByteString.CopyFromUtf8("%PDF-1.7"),
        FieldType.Enum => field.EnumType.Values.Count > 1 ? field.EnumType.Values[1].Number : null,
        FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName =>
            Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
        FieldType.Message when field.MessageType.FullName == Common.V1.CalendarDate.Descriptor.FullName =>
            new Common.V1.CalendarDate { Year = 2026, Month = 4, Day = 1 },
        FieldType.Message => Plausible(field.MessageType, depth + 1),
        _ => null,
    };

    /// <summary>Each hostile value for each field, down to nested messages, on a copy of the plausible request.</summary>
    private static IEnumerable<(string Path, IMessage Request)> Mutations(IMessage request, MessageDescriptor type, string prefix, int depth)
    {
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            var path = prefix + field.Name;
            if (field.IsMap)
            {
                continue;
            }
            if (field.IsRepeated)
            {
                if ((PlausibleValue(field, 3) ?? HostileValues(field).FirstOrDefault()) is { } element)
                {
                    var copy = Copy(request, type);
                    var list = (System.Collections.IList)field.Accessor.GetValue(copy);
                    list.Clear();
                    for (var i = 0; i < 10_000; i++)
                    {
                        list.Add(element);
                    }
                    yield return ($"{path}[10000]", copy);
                }
                foreach (var value in HostileValues(field))
                {
                    var copy = Copy(request, type);
                    var list = (System.Collections.IList)field.Accessor.GetValue(copy);
                    list.Clear();
                    list.Add(value);
                    yield return ($"{path}[0]={Describe(value)}", copy);
                }
                continue;
            }
            foreach (var value in HostileValues(field))
            {
                var copy = Copy(request, type);
                field.Accessor.SetValue(copy, value);
                yield return ($"{path}={Describe(value)}", copy);
            }
            if (field.FieldType == FieldType.Message && depth < 2 && field.MessageType.FullName is not "google.protobuf.Timestamp"
                && field.Accessor.GetValue(request) is IMessage nested)
            {
                foreach (var (nestedPath, mutated) in Mutations(nested, field.MessageType, path + ".", depth + 1))
                {
                    var copy = Copy(request, type);
                    field.Accessor.SetValue(copy, mutated);
                    yield return (nestedPath, copy);
                }
            }
        }
    }

    private static IMessage Copy(IMessage message, MessageDescriptor type) => type.Parser.ParseFrom(message.ToByteString());

    private static readonly string Megabyte = new('x', 1024 * 1024);

    private static IEnumerable<object> HostileValues(FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                yield return "\0";
                yield return "名前\0後半";
                yield return "\u001b[31m";
                yield return Megabyte;
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                yield return -1;
                yield return int.MinValue;
                yield return int.MaxValue;
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                yield return -1L;
                yield return long.MinValue;
                yield return long.MaxValue;
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                yield return uint.MaxValue;
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                yield return ulong.MaxValue;
                break;
            case FieldType.Double:
                yield return double.NaN;
                yield return double.NegativeInfinity;
                yield return -1e308;
                break;
            case FieldType.Float:
                yield return float.NaN;
                yield return float.PositiveInfinity;
                break;
            case FieldType.Enum:
                yield return 9999;
                yield return -1;
                break;
            case FieldType.Bytes:
                yield return ByteString.CopyFrom(new byte[1024 * 1024]);
                break;
            case FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName:
                yield return new Timestamp { Seconds = 0, Nanos = -5 };
                yield return new Timestamp { Seconds = 0, Nanos = 2_000_000_000 };
                yield return new Timestamp { Seconds = 253_402_300_800 };
                yield return new Timestamp { Seconds = -62_135_596_801 };
                yield return new Timestamp { Seconds = -62_135_596_800 }; // 0001-01-01, valid
                yield return new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 }; // the last valid instant
                break;
            case FieldType.Message when field.MessageType.FullName == Common.V1.CalendarDate.Descriptor.FullName:
                yield return new Common.V1.CalendarDate { Year = 1, Month = 1, Day = 1 };
                yield return new Common.V1.CalendarDate { Year = 9999, Month = 12, Day = 31 };
                yield return new Common.V1.CalendarDate { Year = 2026, Month = 13, Day = 40 };
                yield return new Common.V1.CalendarDate { Year = -1, Month = 0, Day = 0 };
                break;
        }
    }

    private static string Describe(object value) => value switch
    {
        string s when s.Length > 40 => $"<{s.Length} chars>",
        string s => "\"" + string.Concat(s.Select(c => c < ' ' ? $"\\u{(int)c:x4}" : c.ToString())) + "\"",
        ByteString b => $"<{b.Length} bytes>",
        IMessage m => m.ToString() ?? "",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Row counts of every table of the four modules' schemas, in one statement.</summary>
    private sealed class RowCounter(TestDatabase database)
    {
        private string? _query;
        private string[] _tables = [];

        public async Task<long[]> CountAsync()
        {
            if (_query is null)
            {
                await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
                await connection.OpenAsync();
                await using var list = new Npgsql.NpgsqlCommand(
                    "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('accounts', 'reseller', 'signing', 'retention') ORDER BY 1",
                    connection);
                var tables = new List<string>();
                await using (var reader = await list.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        tables.Add(reader.GetString(0));
                    }
                }
                _tables = [.. tables];
                _query = "SELECT ARRAY[" + string.Join(", ", _tables.Select(t => $"(SELECT count(*) FROM {t})")) + "]";
            }
            return await database.ScalarAsync<long[]>(_query!) ?? [];
        }

        public async Task<string?> ChangedSinceAsync(long[] before)
        {
            var after = await CountAsync();
            for (var i = 0; i < after.Length; i++)
            {
                if (after[i] != before[i])
                {
                    return $"{_tables[i]} ({before[i]} → {after[i]} rows)";
                }
            }
            return null;
        }
    }
}
