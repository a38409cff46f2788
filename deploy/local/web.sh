# Sourced by run.sh and test.sh: builds the web pages (web/ → web/dist) that the host serves, and installs the
# browser the tests drive.

# npm ci (only when package-lock.json changed since the last install), then generate the protobuf code from protos/,
# type-check and bundle. Needs Node.js 20+ and npm (Debian's nodejs and npm packages are installed when missing).
web_build() {
  local root="$1"
  if ! command -v npm >/dev/null; then
    echo "==> installing nodejs and npm"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  local stamp="$root/web/node_modules/.gmosign-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$root/web/package-lock.json" "$stamp"; then
    echo "==> npm ci (web)"
    (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$root/web/package-lock.json" "$stamp"
  fi
  echo "==> building the web pages (web/dist)"
  (cd "$root/web" && npm run --silent build)
}

# Debian's Chromium (Playwright's own browser download is not used) and Japanese fonts for the browser tests.
browser_install() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]} (a few minutes on a fresh machine)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
