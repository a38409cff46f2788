#!/usr/bin/python3
"""A reseller's first day with GmoSign, from Python: the operator registers a reseller, the reseller applies for a
customer, the operator approves, the customer's administrator sends samples/contract.pdf to one signer, the signer
signs through their link, and the signed PDF is downloaded and verified.

    samples/python/generate.sh            # stubs into samples/python/gen (Debian: protobuf-compiler, protobuf-compiler-grpc)
    /usr/bin/python3 samples/python/onboarding.py --api 127.0.0.1:5080 --operator-login … --operator-password …

Debian's python3-grpcio and python3-protobuf are enough (pip is not needed).
"""
import argparse
import os
import sys
import time
import uuid

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--api", default="127.0.0.1:5080", help="host:port of GmoSign's gRPC (HTTP/2) port")
parser.add_argument("--operator-login", required=True)
parser.add_argument("--operator-password", required=True)
parser.add_argument("--stubs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))
args = parser.parse_args()
sys.path.insert(0, args.stubs)

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402  (generated from protos/google/rpc)
from gmosign.accounts.v1 import accounts_pb2, accounts_pb2_grpc  # noqa: E402
from gmosign.common.v1 import date_pb2, errors_pb2  # noqa: E402
from gmosign.reseller.v1 import operator_pb2, operator_pb2_grpc, reseller_pb2, reseller_pb2_grpc  # noqa: E402
from gmosign.signing.v1 import signing_pb2, signing_pb2_grpc  # noqa: E402


class Refused(Exception):
    """A call GmoSign refused, with the reason, field and messages from its error details."""

    def __init__(self, error):
        self.code, self.reason, self.field, self.ja, self.en, self.retry_after = error.code(), "", "", "", error.details(), None
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = status_pb2.Status.FromString(value)
                for detail in status.details:
                    if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                        info = error_details_pb2.ErrorInfo()
                        detail.Unpack(info)
                        self.reason, self.field = info.reason, info.metadata.get("field", "")
                        self.retry_after = float(info.metadata["retry_after"]) if "retry_after" in info.metadata else None
                    elif detail.Is(errors_pb2.LocalizedMessages.DESCRIPTOR):
                        messages = errors_pb2.LocalizedMessages()
                        detail.Unpack(messages)
                        self.ja, self.en = messages.ja, messages.en
        super().__init__(f"{self.code.name} {self.reason} {self.field}: {self.ja} / {self.en}")


def call(method, request, metadata=(), attempts=5):
    """One unary call. UNAVAILABLE and RESOURCE_EXHAUSTED are retried with the same message, so the same request id."""
    if "request_id" in request.DESCRIPTOR.fields_by_name and not request.request_id:
        request.request_id = uuid.uuid4().hex
    for attempt in range(1, attempts + 1):
        try:
            return method(request, metadata=metadata, timeout=60)
        except grpc.RpcError as error:
            refused = Refused(error)
            retryable = refused.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)
            if not retryable or attempt == attempts:
                raise refused from None
            time.sleep(refused.retry_after if refused.retry_after is not None else 0.5 * 2 ** (attempt - 1))


def bearer(token):
    return (("authorization", "Bearer " + token),)


channel = grpc.insecure_channel(args.api)
accounts = accounts_pb2_grpc.AccountsServiceStub(channel)
resellers = reseller_pb2_grpc.ResellerServiceStub(channel)
operator_service = operator_pb2_grpc.OperatorServiceStub(channel)
signing = signing_pb2_grpc.SigningServiceStub(channel)
run = int(time.time() * 1000)

try:
    # 1. The operator signs in and registers a reseller (its API key is shown once).
    operator = bearer(call(accounts.Login, accounts_pb2.LoginRequest(login_id=args.operator_login, password=args.operator_password)).session_token)
    reseller = call(resellers.RegisterReseller, reseller_pb2.RegisterResellerRequest(
        name="株式会社サンプル販売", contact_email=f"sales-{run}@example.co.jp"), operator)
    print("reseller registered:", reseller.reseller.reseller_id)

    # 2. The reseller applies for a customer under the terms in force; the operator approves.
    now = time.time()
    terms = call(operator_service.ListTermsVersions, operator_pb2.ListTermsVersionsRequest(), operator)
    in_force = max((v for v in terms.versions if v.effective_at.seconds <= now), key=lambda v: v.effective_at.seconds)
    application = call(resellers.SubmitApplication, reseller_pb2.SubmitApplicationRequest(
        plan="light", term_months=12, anti_social_forces_declared=True, accepted_terms_version=in_force.version,
        customer=reseller_pb2.CustomerProfile(
            name="株式会社サンプル商事", kind=reseller_pb2.CUSTOMER_KIND_ORGANIZATION, corporate_number="3700000000001",
            representative_name="山田 太郎", contact_email=f"admin-{run}@example.co.jp", address="東京都渋谷区桜丘町26-1",
            phone="03-1234-5678"),
        identity_verification=reseller_pb2.IdentityVerification(
            method="certificate_of_registration", reference=f"REG-{run}", verified_on=date_pb2.CalendarDate(year=2026, month=11, day=1))),
        (("x-api-key", reseller.api_key),))
    approved = call(operator_service.ApproveApplication, operator_pb2.ApproveApplicationRequest(
        application_id=application.application.application_id), operator)
    print("tenant approved:", approved.tenant.tenant_id)

    # 3. The customer's administrator sends an envelope with one PDF to one signer, uploaded in the chunks the service asks for.
    admin = bearer(call(accounts.Login, accounts_pb2.LoginRequest(login_id=approved.admin_login_id, password=approved.admin_initial_password)).session_token)
    created = call(signing.CreateEnvelope, signing_pb2.CreateEnvelopeRequest(title="業務委託契約書", recipients=[
        signing_pb2.RecipientInput(name="佐藤 花子", email=f"hanako-{run}@example.co.jp", step=1)]), admin)
    envelope_id = created.envelope.envelope_id
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "contract.pdf"), "rb") as f:
        pdf = f.read()
    upload = call(signing.StartUpload, signing_pb2.StartUploadRequest(envelope_id=envelope_id, file_name="contract.pdf", size_bytes=len(pdf)), admin).upload
    while upload.received_bytes < len(pdf):
        chunk = pdf[upload.received_bytes:upload.received_bytes + upload.max_chunk_bytes]
        upload = call(signing.UploadChunk, signing_pb2.UploadChunkRequest(upload_id=upload.upload_id, offset=upload.received_bytes, chunk=chunk), admin).upload
        print(f"upload: {upload.received_bytes}/{len(pdf)} bytes")
    call(signing.FinishUpload, signing_pb2.FinishUploadRequest(upload_id=upload.upload_id), admin)
    sent = call(signing.SendEnvelope, signing_pb2.SendEnvelopeRequest(envelope_id=envelope_id), admin)
    print(f"envelope {envelope_id}: {signing_pb2.EnvelopeStatus.Name(sent.envelope.status)}")

    # 4. The signer signs through their link (mailed to them; here the sender makes one).
    link = bearer(call(signing.CreateSigningLink, signing_pb2.CreateSigningLinkRequest(
        envelope_id=envelope_id, recipient_id=created.envelope.recipients[0].recipient_id), admin).token)
    call(signing.OpenEnvelope, signing_pb2.OpenEnvelopeRequest(), link)
    signed = call(signing.SignEnvelope, signing_pb2.SignEnvelopeRequest(), link)
    print("signed:", signing_pb2.EnvelopeStatus.Name(signed.envelope.status))

    # 5. The signed PDF, downloaded and verified by the service.
    document_id = signed.envelope.documents[0].document_id
    parts = signing.DownloadDocument(signing_pb2.DownloadDocumentRequest(envelope_id=envelope_id, document_id=document_id), metadata=admin)
    signed_pdf = b"".join(part.chunk for part in parts)
    verified = signing.VerifyDocument(iter([signing_pb2.VerifyDocumentRequest(file_name="signed.pdf"),
                                            signing_pb2.VerifyDocumentRequest(chunk=signed_pdf)]), metadata=admin)
    print(f"downloaded {len(signed_pdf)} bytes: {len(verified.signatures)} signatures, all valid: {verified.all_valid}")
    sys.exit(0 if verified.all_valid else 1)
except Refused as refused:
    print("refused:", refused, file=sys.stderr)
    sys.exit(1)
