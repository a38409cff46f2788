namespace GmoSign.Grains.Ports;

/// <summary>
/// Art. 21: destroys a terminated tenant's documents, search rows, logs and data key (crypto-shredding) and keeps a
/// deletion record. Idempotent: a second call finds the record and changes nothing. Called by the tenant grain when
/// the export window has closed — never for a tenant in contract.
/// </summary>
public interface ITenantDataDeletion
{
    Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken);
}
