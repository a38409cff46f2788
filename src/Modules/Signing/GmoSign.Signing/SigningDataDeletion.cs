using Dapper;
using GmoSign.Retention.Contracts;
using Npgsql;

using GmoSign.Grains.Ports;

namespace GmoSign.Signing;

/// <summary>
/// Art. 21: a deleted tenant's envelopes (titles, names, e-mail addresses), templates, audit trails and notifications go with
/// its documents. Document content is crypto-shredded by Retention; this removes Signing's rows. Idempotent.
/// Audit entries and notifications are found through the tenant's envelopes (their keys begin with the envelope id; they
/// are only ever written with their envelope's row, and envelopes go only here, last, in the same statement).
/// </summary>
internal sealed class SigningDataDeletion(NpgsqlDataSource db) : ITenantDataDeletion
{
    public async Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
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
            """, new { TenantId = tenantId }, cancellationToken: cancellationToken));
    }
}
