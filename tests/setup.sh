#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian 12 machine, then the package with its test extras.
# Run as root (or with sudo): it installs Debian packages. The README's test command is
#     tests/setup.sh && python -m pytest -q -n 2
# and .ci/run runs exactly that.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's package lists: also for data/build_photos.py, which fetches the photo packages it reads (apt-get
# download, without their dependencies) into ~/.cache/tf_colorgan/debs where they are not installed.
apt-get update -qq
# Fashion-MNIST (the offline stand-in for MNIST of the image-generation tests) and headless Chromium with its
# driver (the serving page's test).
apt-get install -y -qq --no-install-recommends dataset-fashion-mnist chromium chromium-driver
# The 1927 Solvay photograph (Figure 7): only its folder of the 75 MB visp-images-data package.
if [ ! -d /opt/visp/usr/share/visp-images-data/ViSP-images/Solvay ]; then
    mkdir -p /opt/visp && (cd /opt/visp && apt-get download -qq visp-images-data \
        && dpkg-deb --fsys-tarfile visp-images-data_*.deb | tar -x --wildcards '*Solvay*' && rm visp-images-data_*.deb)
fi
pip install -q -e ".[dev]"
