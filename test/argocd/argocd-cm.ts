import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds deploy/argocd/argocd-cm-snippet.yaml from the health.lua files, so the snippet users apply and the scripts
 * the tests run cannot drift apart.
 *   node --import tsx test/argocd/argocd-cm.ts           rewrite the snippet
 *   node --import tsx test/argocd/argocd-cm.ts --check   exit 1 if it is stale
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CUSTOMIZATIONS = join(ROOT, 'deploy/argocd/resource_customizations');
export const SNIPPET = join(ROOT, 'deploy/argocd/argocd-cm-snippet.yaml');

const HEADER = `# Argo CD health checks for the Medallion custom resources, as argocd-cm keys (Argo CD 2.x/3.x key format).
# GENERATED from deploy/argocd/resource_customizations/*/*/health.lua by \`npm run argocd:cm\`; do not edit by hand.
# Merge it into your argocd-cm: \`kubectl -n argocd patch configmap argocd-cm --patch-file argocd-cm-snippet.yaml\`,
# a kustomize patch, or the argo-cd Helm chart's configs.cm. Guide: docs/argocd.md.
`;

export function renderArgocdCm(): string {
  const keys: string[] = [];
  for (const group of readdirSync(CUSTOMIZATIONS).sort()) {
    for (const kind of readdirSync(join(CUSTOMIZATIONS, group)).sort()) {
      const lua = readFileSync(join(CUSTOMIZATIONS, group, kind, 'health.lua'), 'utf8').trimEnd();
      const body = lua
        .split('\n')
        .map((l) => (l ? `    ${l}` : ''))
        .join('\n');
      keys.push(`  resource.customizations.health.${group}_${kind}: |\n${body}\n`);
    }
  }
  return `${HEADER}apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
${keys.join('')}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderArgocdCm();
  if (process.argv.includes('--check')) {
    if (readFileSync(SNIPPET, 'utf8') !== text) {
      console.error(`${SNIPPET} is stale: run npm run argocd:cm`);
      process.exit(1);
    }
  } else {
    writeFileSync(SNIPPET, text);
    console.log(`wrote ${SNIPPET}`);
  }
}
