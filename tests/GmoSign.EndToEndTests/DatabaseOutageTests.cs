using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// While the database refuses every connection, calls answer UNAVAILABLE with a retry hint (never INTERNAL), and the
/// same request, sent again with the same request id once the database is back, succeeds exactly once.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task Calls_answer_unavailable_during_a_database_outage_and_the_same_request_succeeds_after()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string>());
        await platform.InitializeAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(platform.Database.ConnectionString).Database!;
        var server = new TestDatabase.Server();
        try
        {
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("障害試験", Envelopes.Signer("署名者", 1)));
            var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名者");
            var signing = new SigningService.SigningServiceClient(platform.Channel);
            await signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), link);

            // The outage: no new connection to this database, and the open ones are cut.
            await server.ExecuteAsync($"ALTER DATABASE {database} CONNECTION LIMIT 0");
            await server.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");

            var calls = new (string Name, Func<Task> Call)[]
            {
                ("SignEnvelope", () => signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "during-outage" }, link).ResponseAsync),
                ("GetEnvelope", () => signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin).ResponseAsync),
                ("Login", () => Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword)),
                ("SearchDocuments", () => new Retention.V1.RetentionService.RetentionServiceClient(platform.Channel)
                    .SearchDocumentsAsync(new Retention.V1.SearchDocumentsRequest(), admin).ResponseAsync),
            };
            foreach (var (name, call) in calls)
            {
                var refused = await Calls.FailsAsync(call);
                Assert.True(refused.StatusCode == StatusCode.Unavailable, $"{name}: {refused.Status}");
                Assert.Equal("TEMPORARILY_UNAVAILABLE", Calls.ErrorInfo(refused).Reason);
                Assert.Equal("1", refused.Trailers.GetValue("retry-after"));
            }

            await server.ExecuteAsync($"ALTER DATABASE {database} CONNECTION LIMIT -1");
            // The signer's client retries the same request: one signature, whatever the outage interrupted.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            Envelope signed;
            while (true)
            {
                try
                {
                    signed = (await signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "during-outage" }, link)).Envelope;
                    break;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }
            Assert.Equal(EnvelopeStatus.Completed, signed.Status);
            Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action = 'signed'", Guid.Parse(sent.EnvelopeId)));
        }
        finally
        {
            await server.ExecuteAsync($"ALTER DATABASE {database} CONNECTION LIMIT -1");
            await platform.DisposeAsync();
        }
    }
}
