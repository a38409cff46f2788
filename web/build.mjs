// Builds the pages into dist/: bundles each page's script (TypeScript/TSX, Preact) and the stylesheet with esbuild,
// names every asset by its content hash (the host serves /assets/ as immutable), writes the HTML pages that load
// them, copies pdf.js's worker and data files under a versioned folder, and gzips what compresses.
// `node build.mjs` after `npm run generate`; prints each page's script size (gzip) and writes dist/sizes.json.
import * as esbuild from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";

const dist = "dist";
const assets = join(dist, "assets");
const pdfjsVersion = JSON.parse(readFileSync("node_modules/pdfjs-dist/package.json", "utf8")).version;
const pdfjsBase = `/assets/pdfjs-${pdfjsVersion}/`;

const pages = {
  signer: { entry: "src/signer/main.tsx", title: "署名のご依頼 | GmoSign" },
  app: { entry: "src/app/main.tsx", title: "GmoSign" },
  ops: { entry: "src/ops/main.tsx", title: "GmoSign 運営コンソール" },
};
const present = Object.entries(pages).filter(([, p]) => existsSync(p.entry));

rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await esbuild.build({
  entryPoints: [...present.map(([name, p]) => ({ in: p.entry, out: name })), { in: "styles/app.css", out: "styles" }],
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  minify: true,
  sourcemap: "linked",
  outdir: assets,
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  assetNames: "[name]-[hash]",
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { PDFJS_BASE: JSON.stringify(pdfjsBase) },
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const outputs = result.metafile.outputs;
const fileOf = (predicate) => Object.keys(outputs).find(predicate);
const css = basename(fileOf((f) => f.endsWith(".css") && outputs[f].entryPoint === "styles/app.css"));

// The icon, named by its content like every asset.
const icon = `favicon-${createHash("sha256").update(readFileSync("static/favicon.svg")).digest("hex").slice(0, 8)}.svg`;
cpSync("static/favicon.svg", join(assets, icon));

const sizes = {};
for (const [name, page] of present) {
  const js = fileOf((f) => f.endsWith(".js") && outputs[f].entryPoint === page.entry);
  // The script a page needs before it can paint: its entry and the chunks it imports statically (not dynamic
  // imports such as pdf.js, which load after the first paint).
  const needed = new Set();
  const walk = (file) => {
    if (needed.has(file)) return;
    needed.add(file);
    for (const imported of outputs[file].imports) {
      if (imported.kind === "import-statement") walk(imported.path);
    }
  };
  walk(js);
  const gzip = [...needed].reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  sizes[name] = { script: basename(js), files: needed.size, gzipBytes: gzip };
  const preload = [...needed].filter((f) => f !== js).map((f) => `<link rel="modulepreload" href="/assets/${basename(f)}">`).join("\n");
  writeFileSync(join(dist, `${name}.html`), `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${page.title}</title>
<link rel="icon" href="/assets/${icon}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${css}">
${preload}
<script type="module" src="/assets/${basename(js)}"></script>
</head>
<body>
<div id="root"></div>
<noscript>このページを表示するには JavaScript を有効にしてください。 / Please enable JavaScript to use this page.</noscript>
</body>
</html>
`);
}

// pdf.js: the worker (a separate script the viewer starts), the CMaps for Japanese fonts that are not embedded, the
// standard fonts, its WebAssembly image decoders and ICC profiles.
const pdfjsOut = join(assets, `pdfjs-${pdfjsVersion}`);
mkdirSync(pdfjsOut, { recursive: true });
cpSync("node_modules/pdfjs-dist/build/pdf.worker.min.mjs", join(pdfjsOut, "pdf.worker.min.mjs"));
for (const folder of ["cmaps", "standard_fonts", "wasm", "iccs"]) {
  cpSync(join("node_modules/pdfjs-dist", folder), join(pdfjsOut, folder), { recursive: true });
}

// Precompressed copies for the host to send to browsers that accept gzip.
const compressible = /\.(js|mjs|css|map|wasm|pfb|ttf|json)$/;
const walkFiles = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walkFiles(join(dir, n)) : [join(dir, n)]));
for (const file of walkFiles(assets).filter((f) => compressible.test(f))) {
  const raw = readFileSync(file);
  const packed = gzipSync(raw, { level: 9 });
  if (packed.length < raw.length * 0.9) {
    writeFileSync(file + ".gz", packed);
  }
}

writeFileSync(join(dist, "sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
for (const [name, s] of Object.entries(sizes)) {
  console.log(`${name}: ${s.script} and ${s.files - 1} chunk(s) before first paint, ${(s.gzipBytes / 1024).toFixed(1)} kB gzip`);
}
