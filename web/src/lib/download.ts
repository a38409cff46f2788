// Files arrive as a server stream of chunks (the first one names the file); the browser saves them from a blob URL.
export interface DownloadedFile {
  fileName: string;
  bytes: Uint8Array<ArrayBuffer>;
}

export async function collect(stream: AsyncIterable<{ chunk: Uint8Array; fileName?: string }>, fallbackName = "document.pdf"): Promise<DownloadedFile> {
  const parts: Uint8Array[] = [];
  let fileName = fallbackName;
  let total = 0;
  for await (const message of stream) {
    if (message.fileName) {
      fileName = message.fileName;
    }
    parts.push(message.chunk);
    total += message.chunk.length;
  }
  const bytes = new Uint8Array(new ArrayBuffer(total));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { fileName, bytes };
}

export function save(file: DownloadedFile, type = "application/pdf"): void {
  const url = URL.createObjectURL(new Blob([file.bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = file.fileName;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
