namespace GmoSign.Signing.Contracts;

/// <summary>Makes the signing-link token of one recipient (used when notifications are delivered).</summary>
public interface ISigningLinks
{
    string Create(Guid tenantId, Guid envelopeId, Guid recipientId);
}
