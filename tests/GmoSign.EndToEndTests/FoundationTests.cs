using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Grpc.Core;
using Grpc.Health.V1;

namespace GmoSign.EndToEndTests;

/// <summary>The host on the real PostgreSQL: health, both wire protocols, durability across restarts, clustering.</summary>
public sealed class FoundationTests
{
    [Fact]
    public async Task Host_serves_native_gRPC_and_gRPC_Web_and_keeps_grain_state_across_a_restart()
    {
        var db = await TestDatabase.CreateAsync();
        var ports = HostPorts.Free();
        string resellerId;
        string token;
        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports))
        {
            using var grpc = host.GrpcChannel();
            using var web = host.GrpcWebChannel();

            // Reflection lists every service (what `buf curl --list-services` shows).
            Assert.Equal(
                ["gmosign.accounts.v1.AccountsService", "gmosign.reseller.v1.ContractService", "gmosign.reseller.v1.OperatorService", "gmosign.reseller.v1.ResellerService", "gmosign.retention.v1.RetentionService",
                 "gmosign.signing.v1.BulkSendService", "gmosign.signing.v1.SigningService", "gmosign.signing.v1.TemplateService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                 "grpc.reflection.v1alpha.ServerReflection"],
                await ListServicesAsync(grpc));

            // Health over both protocols.
            var webHealth = await new Health.HealthClient(web).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, webHealth.Status);

            // Sign in over native gRPC, write over gRPC-Web (HTTP/1.1), read back over native gRPC.
            token = await Calls.LoginOperatorAsync(grpc);
            var registered = await new ResellerService.ResellerServiceClient(web).RegisterResellerAsync(
                new RegisterResellerRequest { RequestId = "e2e-1", Name = "株式会社テスト販売", ContactEmail = "sales@test.example.jp" },
                Calls.Bearer(token));
            resellerId = registered.Reseller.ResellerId;
            Assert.StartsWith("gsr_", registered.ApiKey);

            var read = await new ResellerService.ResellerServiceClient(grpc).GetResellerAsync(
                new GetResellerRequest { ResellerId = resellerId }, Calls.Bearer(token));
            Assert.Equal("株式会社テスト販売", read.Reseller.Name);

            Assert.Equal(0, await host.StopAsync());
        }

        // A graceful stop leaves the silo marked Dead (6) in the membership table.
        Assert.Equal(6, await db.ScalarAsync<int>("SELECT status FROM orleans_silo"));
        // Remove the queryable projection: what is read after the restart can only come from grain state.
        Assert.Equal(1, await db.ExecuteAsync("DELETE FROM reseller.reseller WHERE reseller_id = $1", Guid.Parse(resellerId)));

        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports))
        {
            using var grpc = host.GrpcChannel();
            // The session token issued before the restart still works: sessions are durable.
            var read = await new ResellerService.ResellerServiceClient(grpc).GetResellerAsync(
                new GetResellerRequest { ResellerId = resellerId }, Calls.Bearer(token));
            Assert.Equal("株式会社テスト販売", read.Reseller.Name);
            Assert.Equal("sales@test.example.jp", read.Reseller.ContactEmail);

            // The migrations are not applied twice.
            Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM schema_migration WHERE id = 'platform:0001_orleans_runtime.sql'"));
        }
    }

    [Fact]
    public async Task Two_hosts_on_one_database_form_one_cluster()
    {
        var db = await TestDatabase.CreateAsync();
        await using var first = await HostProcess.StartServingAsync(db.ConnectionString);
        await using var second = await HostProcess.StartServingAsync(db.ConnectionString);

        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_silo WHERE status = 3"));

        using var a = first.GrpcChannel();
        using var b = second.GrpcChannel();
        var token = await Calls.LoginOperatorAsync(a);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var reply = await new ResellerService.ResellerServiceClient(a).RegisterResellerAsync(
                new RegisterResellerRequest { RequestId = $"cluster-{i}", Name = $"Reseller {i}", ContactEmail = $"r{i}@example.jp" },
                Calls.Bearer(token));
            ids.Add(reply.Reseller.ResellerId);
        }
        // Every reseller grain is reachable from the other host, wherever it was activated.
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var read = await new ResellerService.ResellerServiceClient(b).GetResellerAsync(
                new GetResellerRequest { ResellerId = id }, Calls.Bearer(token));
            Assert.Equal($"Reseller {i}", read.Reseller.Name);
        }
    }

    [Fact]
    public async Task A_wrong_database_password_stops_startup_with_one_line_naming_the_setting()
    {
        var db = await TestDatabase.CreateAsync();
        var wrong = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        await using var host = HostProcess.Start(wrong);

        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertOneClearFatalLine(host, "ConnectionStrings:Postgres", "28P01");
    }

    [Fact]
    public async Task An_unreachable_database_stops_startup_with_one_line_naming_the_setting()
    {
        var closedPort = HostPorts.Free().Grpc;
        await using var host = HostProcess.Start($"Host=127.0.0.1;Port={closedPort};Database=x;Username=x;Password=x;Timeout=3");

        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertOneClearFatalLine(host, "ConnectionStrings:Postgres", "cannot be reached");
    }

    [Fact]
    public async Task A_missing_connection_string_stops_startup_with_one_line_naming_the_setting()
    {
        await using var host = HostProcess.Start(connectionString: null);

        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertOneClearFatalLine(host, "ConnectionStrings:Postgres", "is not set");
    }

    [Fact]
    public async Task A_bad_port_setting_stops_startup_with_one_line_naming_the_setting()
    {
        var db = await TestDatabase.CreateAsync();
        await using var host = HostProcess.Start(db.ConnectionString, settings: new Dictionary<string, string> { ["GmoSign__Http__GrpcPort"] = "http" });

        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertOneClearFatalLine(host, "GmoSign:Http:GrpcPort", "must be a TCP port number");
    }

    private static async Task<string[]> ListServicesAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        using var call = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
    }

    private static void AssertOneClearFatalLine(HostProcess host, string setting, string detail)
    {
        var lines = host.OutputLines;
        var fatal = Assert.Single(lines, l => l.Contains(" FTL ", StringComparison.Ordinal));
        Assert.Contains(setting, fatal);
        Assert.Contains(detail, fatal);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("not-the-password", host.Output);
    }
}
