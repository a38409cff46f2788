// A PDF shown page by page with pdf.js. Pages are laid out at their size at once but drawn only when they come near
// the screen (and dropped again when far away), so a 100-page contract opens as fast as a 1-page one and keeps the
// page responsive. pdf.js itself is loaded on first use, after the page has painted.
//
// Optionally the viewer marks rectangles on the pages (input fields) and reports where a page was clicked, both in
// PDF points from the lower-left corner of the page's box, y upwards — the coordinates the server's fields use.
import { useEffect, useRef, useState } from "preact/hooks";
import type { PDFDocumentLoadingTask, PDFDocumentProxy, PageViewport, RenderTask } from "pdfjs-dist";

declare const PDFJS_BASE: string;

type PdfJs = typeof import("pdfjs-dist");
let pdfjs: Promise<PdfJs> | null = null;

function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import("pdfjs-dist").then((module) => {
    module.GlobalWorkerOptions.workerSrc = `${PDFJS_BASE}pdf.worker.min.mjs`;
    return module;
  });
  return pdfjs;
}

export interface PdfViewerLabels {
  page: (n: number, total: number) => string;
  zoomIn: string;
  zoomOut: string;
  loading: string;
  failed: string;
  pages: (n: number) => string;
}

interface PageBox {
  width: number;
  height: number;
  /** The page at scale 1 (with its rotation): converts between PDF points and CSS pixels. */
  viewport: PageViewport;
}

/** A page's size in PDF points, unrotated (the box fields are measured in). */
export interface PageSize {
  width: number;
  height: number;
}

/** A rectangle in PDF points from the lower-left corner of the page's box, y upwards. */
export interface PdfRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PdfOverlay {
  /** Unique among the overlays; also the element's data-overlay attribute. */
  key: string;
  /** 1-based page; 0 marks every page. */
  page: number;
  rect: PdfRect;
  label: string;
  /** How it is drawn: a placed field, the one in focus, or one not saved yet. */
  look?: "field" | "active" | "pending";
}

export interface PdfViewerProps {
  bytes: Uint8Array<ArrayBuffer>;
  name: string;
  labels: PdfViewerLabels;
  overlays?: PdfOverlay[];
  /** Called with the page and the point clicked on it, in PDF points (y from the bottom). */
  onPageClick?: (page: number, x: number, y: number) => void;
  /** Called once the document is read, with each page's size in PDF points. */
  onPages?: (pages: PageSize[]) => void;
}

// The box the server measures from is the page's MediaBox; pdf.js shows the crop box, which is the same unless the
// document crops its pages. Points are taken from the shown box's lower-left corner.
function toPixels(viewport: PageViewport, scale: number, r: PdfRect): { left: string; top: string; width: string; height: string } {
  const [ox, oy] = viewport.viewBox;
  const [ax, ay] = viewport.convertToViewportPoint(ox + r.x, oy + r.y) as number[];
  const [bx, by] = viewport.convertToViewportPoint(ox + r.x + r.width, oy + r.y + r.height) as number[];
  return {
    left: `${Math.min(ax, bx) * scale}px`, top: `${Math.min(ay, by) * scale}px`,
    width: `${Math.abs(bx - ax) * scale}px`, height: `${Math.abs(by - ay) * scale}px`,
  };
}

function toPoints(viewport: PageViewport, scale: number, cssX: number, cssY: number): [number, number] {
  const [ox, oy] = viewport.viewBox;
  const [x, y] = viewport.convertToPdfPoint(cssX / scale, cssY / scale) as number[];
  return [x - ox, y - oy];
}

export function PdfViewer(props: PdfViewerProps) {
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [boxes, setBoxes] = useState<PageBox[]>([]);
  const [failed, setFailed] = useState(false);
  const [zoom, setZoom] = useState(1);
  const [current, setCurrent] = useState(1);
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let cancelled = false;
    let task: PDFDocumentLoadingTask | null = null;
    setDoc(null);
    setFailed(false);
    (async () => {
      try {
        const lib = await loadPdfJs();
        // pdf.js takes ownership of the buffer it is given: hand it a copy, the caller keeps the original for download.
        task = lib.getDocument({
          data: props.bytes.slice(),
          cMapUrl: `${PDFJS_BASE}cmaps/`,
          cMapPacked: true,
          standardFontDataUrl: `${PDFJS_BASE}standard_fonts/`,
          wasmUrl: `${PDFJS_BASE}wasm/`,
          iccUrl: `${PDFJS_BASE}iccs/`,
        });
        const loaded = await task.promise;
        // Every page's size up front (cheap: no drawing), so the scroll height is right from the start.
        const sizes: PageBox[] = [];
        for (let n = 1; n <= loaded.numPages; n++) {
          const page = await loaded.getPage(n);
          const viewport = page.getViewport({ scale: 1 });
          sizes.push({ width: viewport.width, height: viewport.height, viewport });
        }
        if (!cancelled) {
          setBoxes(sizes);
          setDoc(loaded);
          props.onPages?.(sizes.map((b) => ({ width: b.viewport.viewBox[2] - b.viewport.viewBox[0], height: b.viewport.viewBox[3] - b.viewport.viewBox[1] })));
        }
      } catch {
        if (!cancelled) {
          setFailed(true);
        }
      }
    })();
    return () => {
      cancelled = true;
      void task?.destroy();
    };
  }, [props.bytes]);

  const width = container.current?.clientWidth ?? 800;
  const maxWidth = Math.max(...boxes.map((b) => b.width), 1);
  // Fit the widest page to the column, then apply the reader's zoom.
  const scale = (Math.min(width - 16, 900) / maxWidth) * zoom;

  if (failed) {
    return <p class="notice error" role="alert">{props.labels.failed}</p>;
  }
  return (
    <section class="pdf" aria-label={props.name}>
      <div class="pdf-toolbar">
        <span class="pdf-count" aria-live="polite">
          {doc ? props.labels.page(current, doc.numPages) : props.labels.loading}
        </span>
        {doc && <span class="pdf-total">{props.labels.pages(doc.numPages)}</span>}
        <button type="button" class="icon" onClick={() => setZoom((z) => Math.max(0.5, +(z - 0.25).toFixed(2)))} aria-label={props.labels.zoomOut}>−</button>
        <span class="pdf-zoom">{Math.round(zoom * 100)}%</span>
        <button type="button" class="icon" onClick={() => setZoom((z) => Math.min(3, +(z + 0.25).toFixed(2)))} aria-label={props.labels.zoomIn}>＋</button>
      </div>
      <div class="pdf-pages" ref={container} data-pages={doc?.numPages ?? 0}>
        {doc && boxes.map((box, i) => (
          <PdfPage key={`${i}-${scale}`} doc={doc} number={i + 1} box={box} scale={scale} label={props.labels.page(i + 1, doc.numPages)}
            onVisible={setCurrent} onClick={props.onPageClick}
            overlays={(props.overlays ?? []).filter((o) => o.page === i + 1 || o.page === 0)} />
        ))}
      </div>
    </section>
  );
}

interface PdfPageProps {
  doc: PDFDocumentProxy;
  number: number;
  box: PageBox;
  scale: number;
  label: string;
  onVisible: (n: number) => void;
  onClick?: (page: number, x: number, y: number) => void;
  overlays: PdfOverlay[];
}

function PdfPage(props: PdfPageProps) {
  const holder = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);

  useEffect(() => {
    const element = holder.current!;
    let task: RenderTask | null = null;
    let visible = false;
    const draw = async () => {
      const page = await props.doc.getPage(props.number);
      const viewport = page.getViewport({ scale: props.scale });
      const ratio = window.devicePixelRatio || 1;
      const c = canvas.current;
      if (!c || !visible) {
        return;
      }
      c.width = Math.floor(viewport.width * ratio);
      c.height = Math.floor(viewport.height * ratio);
      task = page.render({ canvas: c, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] });
      try {
        await task.promise;
        setDrawn(true);
      } catch {
        // cancelled: scrolled away or zoom changed
      }
    };
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting && !visible) {
          visible = true;
          void draw();
        } else if (!entry.isIntersecting && visible) {
          visible = false;
          task?.cancel();
          // Far pages give their memory back: a canvas of a page at 2× is several megabytes.
          if (canvas.current) {
            canvas.current.width = 0;
            canvas.current.height = 0;
          }
          setDrawn(false);
        }
      }
    }, { rootMargin: "600px 0px" });
    const current = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        props.onVisible(props.number);
      }
    }, { threshold: 0.5 });
    observer.observe(element);
    current.observe(element);
    return () => {
      observer.disconnect();
      current.disconnect();
      task?.cancel();
    };
  }, [props.doc, props.number, props.scale]);

  const click = props.onClick && ((e: MouseEvent) => {
    const bounds = holder.current!.getBoundingClientRect();
    const [x, y] = toPoints(props.box.viewport, props.scale, e.clientX - bounds.left, e.clientY - bounds.top);
    props.onClick!(props.number, x, y);
  });
  return (
    <div class={`pdf-page${click ? " placing" : ""}`} ref={holder} style={{ width: `${props.box.width * props.scale}px`, height: `${props.box.height * props.scale}px` }}
      data-page={props.number} data-drawn={drawn ? "true" : "false"} onClick={click}>
      <canvas ref={canvas} role="img" aria-label={props.label} style={{ width: "100%", height: "100%" }} />
      {props.overlays.map((o) => (
        // The marks repeat what the form beside the viewer says; screen readers read the form.
        <div key={o.key} class={`pdf-overlay ${o.look ?? "field"}`} data-overlay={o.key} aria-hidden="true"
          style={toPixels(props.box.viewport, props.scale, o.rect)}>
          <span>{o.label}</span>
        </div>
      ))}
    </div>
  );
}
