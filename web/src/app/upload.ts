// Uploads a PDF from the browser in unary chunk calls bound to an upload session (browsers cannot stream a request
// over gRPC-Web). The session's request id makes starting idempotent; after a failed chunk the session says how far
// it got, and the upload resumes there. Progress is reported after every chunk.
import { SigningService, type FinishUploadResponse } from "../gen/gmosign/signing/v1/signing_pb";
import { client, requestId, withRetry } from "../lib/rpc";

const signing = client(SigningService);

export async function uploadPdf(envelopeId: string, file: File, onProgress: (sent: number, total: number) => void): Promise<FinishUploadResponse> {
  const started = await withRetry(() => signing.startUpload({ envelopeId, fileName: file.name, sizeBytes: BigInt(file.size), requestId: requestId() }));
  let upload = started.upload!;
  const chunk = upload.maxChunkBytes;
  let offset = Number(upload.receivedBytes);
  onProgress(offset, file.size);
  while (offset < file.size) {
    const bytes = new Uint8Array(await file.slice(offset, offset + chunk).arrayBuffer());
    const at = offset;
    try {
      upload = (await withRetry(() => signing.uploadChunk({ uploadId: upload.uploadId, offset: BigInt(at), chunk: bytes }))).upload!;
    } catch (error) {
      // The reply may have been lost after the chunk arrived: continue from what the server has.
      upload = (await withRetry(() => signing.getUpload({ uploadId: upload.uploadId }))).upload!;
      if (Number(upload.receivedBytes) <= at) {
        throw error;
      }
    }
    offset = Number(upload.receivedBytes);
    onProgress(offset, file.size);
  }
  return withRetry(() => signing.finishUpload({ uploadId: upload.uploadId }));
}
