#!/usr/bin/env bash
# The font GmoSign embeds (as a subset) in signature stamps, field values and certificates of completion: IPA P Gothic
# from Debian's fonts-ipafont-gothic (IPA Font License, which allows embedding). Without it the PDFs name a Japanese
# font the reader must supply instead. Sourced by deploy/run.sh and deploy/test.sh.
font_install() {
  if [ ! -f /usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf ]; then
    echo "==> installing fonts-ipafont-gothic"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipafont-gothic >/dev/null
  fi
}
