using System.Security.Cryptography.X509Certificates;
using GmoSign.Signing.Pdf;
using GmoSign.Signing.V1;
using Google.Protobuf.WellKnownTypes;

using GmoSign.Platform.Validation;

namespace GmoSign.Signing;

/// <summary>VerifyDocument: the platform's roots are the trust anchors (production adds the external CA's).</summary>
internal sealed class PdfVerification(PdfSignatures signatures)
{
    private readonly X509Certificate2Collection _anchors = signatures.TrustAnchors;

    public VerifyDocumentResponse Verify(byte[] pdf, string fileName)
    {
        _ = fileName;
        var results = PdfSignatureVerifier.Verify(pdf, _anchors);
        var response = new VerifyDocumentResponse();
        response.Signatures.AddRange(results.Select(r => new SignatureReport
        {
            FieldName = r.FieldName,
            Signer = r.Signer,
            SigningTime = r.SigningTime.ToTimestamp(),
            SignatureValid = r.SignatureValid,
            CertificateTrusted = r.CertificateTrusted,
            CertificateStatus = r.CertificateStatus,
            HasTimestamp = r.HasTimestamp,
            TimestampValid = r.TimestampValid,
            TimestampTime = r.TimestampTime.ToTimestamp(),
            CoversWholeDocument = r.CoversWholeDocument,
            LaterRevisions = !r.CoversWholeDocument,
            ModifiedAfterSigning = !r.DigestMatches,
            SubFilter = r.SubFilter,
            Reason = r.Reason ?? "",
        }));
        response.AllValid = results.Count > 0 && results.All(r => r.SignatureValid && (!r.HasTimestamp || r.TimestampValid))
            && results[^1].CoversWholeDocument;
        return response;
    }
}
