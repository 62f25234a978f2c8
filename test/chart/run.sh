#!/usr/bin/env bash
# npm run test:chart: Helm (built from its Go module), the test control plane (etcd + kube-apiserver from
# test/k8s/setup-apiserver.sh) and the prometheus-operator CRDs, all cached under ~/.cache/medallion, and Debian's
# prometheus server (dashboards end-to-end test); then the chart tests (test/chart/**/*.chart-test.ts). Extra
# arguments go to vitest (e.g. a file name).
set -euo pipefail
cd "$(dirname "$0")/../.."
MEDALLION_HELM="$(bash test/chart/setup-helm.sh)"
MEDALLION_K8S_BIN="$(bash test/k8s/setup-apiserver.sh)"
MEDALLION_PROMETHEUS_CRDS="$(bash test/chart/setup-prometheus-crds.sh)"
MEDALLION_PROMETHEUS="$(bash test/chart/setup-prometheus.sh)"
export MEDALLION_HELM MEDALLION_K8S_BIN MEDALLION_PROMETHEUS_CRDS MEDALLION_PROMETHEUS
exec npx vitest run --config test/chart/vitest.config.ts "$@"
