using Dapper;
using GmoSign.Retention.Contracts;
using Npgsql;

using GmoSign.Grains.Ports;

namespace GmoSign.Signing;

/// <summary>
/// Art. 21: a deleted tenant's envelopes (titles, names, e-mail addresses), templates, audit trails and notifications go with
/// its documents. Document content is crypto-shredded by Retention; this removes Signing's rows. Idempotent.
/// Audit entries and notifications are found through the tenant's envelopes (their key, or for notifications their unique
/// constraint, begins with the envelope id; they are only ever written with their envelope's row, and envelopes go only
/// here, last, in the same statement, after the tenant's envelopes were locked).
/// </summary>
internal sealed class SigningDataDeletion(NpgsqlDataSource db) : ITenantDataDeletion
{
    public async Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // First the tenant's envelopes are locked: a change in flight (a reminder, a signer's view) finishes first, and
        // the deletion's own snapshot, taken next, sees the entries it wrote; a later change finds its envelope gone and
        // writes nothing. Without the lock such entries would outlive their envelope, unreachable.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM signing.envelope WHERE tenant_id = @TenantId FOR UPDATE", new { TenantId = tenantId }, transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH e AS (SELECT envelope_id FROM signing.envelope WHERE tenant_id = @TenantId),
                 a AS (DELETE FROM signing.audit_event WHERE envelope_id IN (SELECT envelope_id FROM e) AND tenant_id = @TenantId),
                 o AS (DELETE FROM signing.outbox WHERE envelope_id IN (SELECT envelope_id FROM e) AND tenant_id = @TenantId),
                 h AS (DELETE FROM signing.handover WHERE tenant_id = @TenantId),
                 d AS (DELETE FROM signing.webhook_delivery WHERE tenant_id = @TenantId),
                 w AS (DELETE FROM signing.webhook_endpoint WHERE tenant_id = @TenantId),
                 u AS (DELETE FROM signing.upload WHERE tenant_id = @TenantId),
                 tv AS (DELETE FROM signing.template_version WHERE tenant_id = @TenantId),
                 br AS (DELETE FROM signing.bulk_send_row WHERE tenant_id = @TenantId),
                 bs AS (DELETE FROM signing.bulk_send WHERE tenant_id = @TenantId),
                 t AS (DELETE FROM signing.template WHERE tenant_id = @TenantId)
            DELETE FROM signing.envelope WHERE tenant_id = @TenantId
            """, new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }
}
