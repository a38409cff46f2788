using System.Collections.Concurrent;
using GmoSign.Grains;
using GmoSign.Reseller.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Tests;

/// <summary>One in-process cluster with memory storage, shared by every grain test (unit-level tier).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>What grains wrote to the reseller directory port, by reseller id.</summary>
    public static ConcurrentDictionary<Guid, List<ResellerEntry>> ResellerRows { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorage(GrainStorage.Name);
            siloBuilder.UseInMemoryReminderService();
            siloBuilder.ConfigureServices(services =>
            {
                services.AddSingleton(TimeProvider.System);
                services.AddSingleton<IResellerDirectory, RecordingResellerDirectory>();
                services.AddSingleton<ITenantDirectory, RecordingTenantDirectory>();
                services.AddSingleton<GmoSign.Grains.Ports.ITenantDataDeletion, RecordingDeletion>();
                services.Configure<LifecycleOptions>(o => o.ExportWindow = TimeSpan.FromDays(30));
                // The envelope grain's ports (EnvelopeFakes.cs).
                services.AddSingleton<GmoSign.Grains.Ports.IEnvelopeStore, MemoryEnvelopeStore>();
                services.AddSingleton<MemoryContent>();
                services.AddSingleton<GmoSign.Retention.Contracts.IDocumentContent>(sp => sp.GetRequiredService<MemoryContent>());
                services.AddSingleton<GmoSign.Grains.Ports.IContentWrites>(sp => sp.GetRequiredService<MemoryContent>());
                services.AddSingleton<GmoSign.Grains.Ports.IPdfSignatures, MarkingPdfSignatures>();
                services.AddSingleton<GmoSign.Grains.Ports.IEnvelopeArchive, RecordingArchive>();
                services.AddSingleton<ITenantContracts, ActiveTenants>();
                services.AddSingleton<GmoSign.Grains.Ports.IDelegationLookup, NoDelegations>();
                services.Configure<EnvelopeOptions>(_ => { });
            });
        }
    }

    /// <summary>What tenant grains wrote to the directory port, by tenant id.</summary>
    public static ConcurrentDictionary<Guid, List<TenantEntry>> TenantRows { get; } = new();

    private sealed class RecordingTenantDirectory : ITenantDirectory
    {
        public Task UpsertAsync(TenantEntry entry, CancellationToken cancellationToken)
        {
            TenantRows.AddOrUpdate(entry.TenantId, _ => [entry], (_, list) => { lock (list) { list.Add(entry); } return list; });
            return Task.CompletedTask;
        }
    }

    /// <summary>Tenants whose retained data the grains asked to delete.</summary>
    public static ConcurrentBag<Guid> DeletedTenants { get; } = [];

    private sealed class RecordingDeletion : GmoSign.Grains.Ports.ITenantDataDeletion
    {
        public Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
        {
            DeletedTenants.Add(tenantId);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingResellerDirectory : IResellerDirectory
    {
        public Task UpsertAsync(ResellerEntry entry, CancellationToken cancellationToken)
        {
            ResellerRows.AddOrUpdate(entry.ResellerId, _ => [entry], (_, list) => { lock (list) { list.Add(entry); } return list; });
            return Task.CompletedTask;
        }

        public Task SetStatusAsync(Guid resellerId, int status, string? reason, Guid by, DateTimeOffset at, CancellationToken cancellationToken)
        {
            ResellerRows.AddOrUpdate(resellerId, _ => [], (_, list) =>
            {
                lock (list)
                {
                    list.Add(list[^1] with { Status = status });
                }
                return list;
            });
            return Task.CompletedTask;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
