using System.Collections.Concurrent;
using GmoSign.Accounts.Contracts;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Tests;

/// <summary>
/// The envelope grain's ports for the unit-level tier, in memory, keyed by envelope so tests do not meet. The store
/// can be told to fail the next commits and loads of one envelope, as a database outage would.
/// </summary>
public sealed class MemoryEnvelopeStore : IEnvelopeStore
{
    public static ConcurrentDictionary<Guid, List<EnvelopeCommit>> Commits { get; } = new();

    /// <summary>How many of the next commits / loads of an envelope fail.</summary>
    public static ConcurrentDictionary<Guid, int> FailCommits { get; } = new();

    public static ConcurrentDictionary<Guid, int> FailLoads { get; } = new();

    public static IReadOnlyList<EnvelopeCommit> Of(Guid envelopeId)
    {
        var list = Commits.GetOrAdd(envelopeId, _ => []);
        lock (list)
        {
            return [.. list];
        }
    }

    public Task<StoredEnvelope?> LoadAsync(Guid envelopeId, CancellationToken cancellationToken)
    {
        Fail(FailLoads, envelopeId, "load");
        var last = Of(envelopeId).LastOrDefault();
        return Task.FromResult(last is null ? null : new StoredEnvelope(last.NewVersion, last.StateJson));
    }

    public Task CommitAsync(EnvelopeCommit commit, CancellationToken cancellationToken)
    {
        var id = commit.Row.EnvelopeId;
        Fail(FailCommits, id, "commit");
        var list = Commits.GetOrAdd(id, _ => []);
        lock (list)
        {
            var stored = list.Count == 0 ? 0 : list[^1].NewVersion;
            if (stored != commit.ExpectedVersion)
            {
                throw new EnvelopeConcurrencyException(id, commit.ExpectedVersion);
            }
            list.Add(commit);
        }
        // The content the change references is stored with it, as the real store's batch does.
        foreach (var write in commit.Writes ?? [])
        {
            MemoryContent.Apply(write);
        }
        return Task.CompletedTask;
    }

    /// <summary>How often each envelope's trail was read back.</summary>
    public static ConcurrentDictionary<Guid, int> TrailReads { get; } = new();

    public Task<IReadOnlyList<AuditRecord>> AuditTrailAsync(Guid envelopeId, CancellationToken cancellationToken)
    {
        TrailReads.AddOrUpdate(envelopeId, 1, (_, n) => n + 1);
        return Task.FromResult<IReadOnlyList<AuditRecord>>(Of(envelopeId).SelectMany(c => c.Audit).ToList());
    }

    /// <summary>Corrected deadlines, by envelope.</summary>
    public static ConcurrentDictionary<Guid, DateTimeOffset?> Deadlines { get; } = new();

    public Task SetDeadlineAsync(Guid envelopeId, long version, DateTimeOffset? deadlineAt, CancellationToken cancellationToken)
    {
        Deadlines[envelopeId] = deadlineAt;
        return Task.CompletedTask;
    }

    private static void Fail(ConcurrentDictionary<Guid, int> failures, Guid id, string what)
    {
        if (failures.TryGetValue(id, out var left) && left > 0 && failures.TryUpdate(id, left - 1, left))
        {
            throw new TimeoutException($"The database is down ({what} of {id}).");
        }
    }
}

public sealed class MemoryContent : IDocumentContent, IContentWrites
{
    private const string WriteStatement = "memory content";

    public static ConcurrentDictionary<(Guid Tenant, Guid Content), byte[]> Items { get; } = new();

    /// <summary>Content is kept only when the change that carries its write is committed.</summary>
    /// <summary>The stored content each prepared content said it begins with.</summary>
    public static ConcurrentDictionary<Guid, ContentBase?> Extends { get; } = new();

    public Task<DeferredWrite?> PrepareAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, ContentBase? extends,
        CancellationToken cancellationToken)
    {
        Extends[contentId] = extends;
        return Task.FromResult<DeferredWrite?>(new DeferredWrite(WriteStatement, [tenantId, contentId, plaintext.ToArray()]));
    }

    public static void Apply(DeferredWrite write)
    {
        Assert.Equal(WriteStatement, write.Sql);
        Items[((Guid)write.Parameters[0], (Guid)write.Parameters[1])] = (byte[])write.Parameters[2];
    }

    public Task PutAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        Items[(tenantId, contentId)] = plaintext.ToArray();
        return Task.CompletedTask;
    }

    /// <summary>How often each content was read.</summary>
    public static ConcurrentDictionary<Guid, int> Reads { get; } = new();

    public Task<byte[]?> GetAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken)
    {
        Reads.AddOrUpdate(contentId, 1, (_, n) => n + 1);
        return Task.FromResult(Items.TryGetValue((tenantId, contentId), out var bytes) ? bytes : null);
    }

    public Task DeleteAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken)
    {
        Items.TryRemove((tenantId, contentId), out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LooseContent>> LooseContentAsync(TimeSpan olderThan, LooseContent? after, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LooseContent>>([]);
}

/// <summary>A PDF "signer" that appends a marker per revision, so a test can count what was applied to a document.</summary>
public sealed class MarkingPdfSignatures : IPdfSignatures
{
    public PdfCheck Check(ReadOnlyMemory<byte> pdf) => PdfCheck.Valid;

    /// <summary>Every "document" has two A4 pages.</summary>
    public IReadOnlyList<PageSize> Pages(ReadOnlyMemory<byte> pdf) => [new(595, 842), new(595, 842)];

    /// <summary>The requests signed, in order (fields and stamp places included).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<SignatureRequest> Signed { get; } = new();

    public bool SupportsCertificateType => true;

    public Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SignatureRequest request, CancellationToken cancellationToken)
    {
        Signed.Enqueue(request);
        return Task.FromResult(Append(pdf, $"|sig:{request.FieldName}:{request.SignerEmail}"));
    }

    public Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken) =>
        Task.FromResult(Append(pdf, $"|ts:{fieldName}"));

    public Task<byte[]> CertificateOfCompletionAsync(CompletionCertificate certificate, CancellationToken cancellationToken) =>
        Task.FromResult(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', certificate.Events.Select(e => e.Value))));

    private static byte[] Append(ReadOnlyMemory<byte> pdf, string marker) => [.. pdf.ToArray(), .. System.Text.Encoding.UTF8.GetBytes(marker)];
}

public sealed class RecordingArchive : IEnvelopeArchive
{
    public static ConcurrentDictionary<Guid, List<ArchivedEnvelope>> Received { get; } = new();

    public Task ArchiveAsync(ArchivedEnvelope envelope, CancellationToken cancellationToken)
    {
        var list = Received.GetOrAdd(envelope.EnvelopeId, _ => []);
        lock (list)
        {
            list.Add(envelope);
        }
        return Task.CompletedTask;
    }
}

/// <summary>Every tenant is active and holds the certificate-signing option.</summary>
public sealed class ActiveTenants : ITenantContracts
{
    private static TenantView View(Guid tenantId) =>
        new(tenantId, Guid.Empty, TenantLifecycleStatus.Active, null, 5, new Dictionary<string, int> { [OptionCodes.CertificateSigning] = 1 }, null, "テスト株式会社");

    public Task<TenantView?> GetAsync(Guid tenantId, CancellationToken cancellationToken) => Task.FromResult<TenantView?>(View(tenantId));

    public Task<TenantView> EnsureCanTransactAsync(Guid tenantId, CancellationToken cancellationToken) => Task.FromResult(View(tenantId));

    public Task ForgetSessionsAsync(Guid tenantId, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class NoDelegations : IDelegationLookup
{
    public Task<DelegationGrant?> FindAsync(Guid tenantId, Guid delegateUserId, Guid principalUserId, IReadOnlyCollection<string> envelopeTags,
        DateTimeOffset at, CancellationToken cancellationToken) => Task.FromResult<DelegationGrant?>(null);
}
