// The tenant export's received bytes, kept in IndexedDB per export id, so that an export interrupted by a lost
// connection or a page reload continues where it stopped (ExportDocuments resumes the same snapshot from an offset).
const dbName = "gmosign-export";
const store = "chunks";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(store, { keyPath: ["exportId", "offset"] });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function saveChunk(exportId: string, offset: number, data: Uint8Array): Promise<void> {
  const db = await open();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).put({ exportId, offset, data });
  await done(tx);
  db.close();
}

/** The chunks received for an export, in order, and how many bytes they make without a gap. */
export async function loadChunks(exportId: string): Promise<{ chunks: Uint8Array[]; bytes: number }> {
  const db = await open();
  const tx = db.transaction(store, "readonly");
  const request = tx.objectStore(store).getAll(IDBKeyRange.bound([exportId, 0], [exportId, Number.MAX_SAFE_INTEGER]));
  await done(tx);
  db.close();
  const rows = (request.result as { offset: number; data: Uint8Array }[]).sort((a, b) => a.offset - b.offset);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (row.offset !== bytes) {
      break;
    }
    chunks.push(row.data);
    bytes += row.data.length;
  }
  return { chunks, bytes };
}

export async function forget(exportId: string): Promise<void> {
  const db = await open();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).delete(IDBKeyRange.bound([exportId, 0], [exportId, Number.MAX_SAFE_INTEGER]));
  await done(tx);
  db.close();
}
