#!/usr/bin/env bash
# npm run test:image: builds the image from the Dockerfile (test/image/setup.sh, cached under
# ~/.cache/medallion/image), makes sure the test control plane's binaries exist (test/k8s/setup-apiserver.sh, with
# kubelet and kube-scheduler), then
# runs the container tests (test/image/**/*.image-test.ts). Extra arguments go to vitest (e.g. a file name).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The host-side comparison run and the operator test use the compiled CLI.
[[ -f dist/runner/cli/main.js || -f dist/cli/main.js ]] || npm run build
# CI starts test/image/prepare.sh in the background before `npm test`; wait for it (the steps below then find its work
# cached, or redo what it did not finish).
bash test/image/prepare.sh --wait
MEDALLION_IMAGE="$(bash test/image/setup.sh)"
# kubelet and kube-scheduler too: kubelet.image-test.ts runs the sample's step Pods on a real node.
bash test/k8s/setup-apiserver.sh kubelet kube-scheduler >/dev/null
export MEDALLION_IMAGE
exec npx vitest run --config test/image/vitest.config.ts "$@"
