import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ControlPlanePki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  serviceAccountPublicKey: string;
  serviceAccountPrivateKey: string;
  tokenFile: string;
  adminToken: string;
}

/**
 * Writes everything a throw-away control plane needs into `dir`: a CA and a loopback serving certificate (openssl,
 * because node:crypto cannot issue X.509 certificates), service-account signing keys and a static admin token.
 * Fresh per run so nothing secret is ever shared between test runs or committed.
 */
export function writePki(dir: string): ControlPlanePki {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

  openssl(
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=medallion-test-ca',
    '-keyout', p('ca.key'), '-out', p('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ); // prettier-ignore
  openssl(
    'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', p('apiserver.key'),
    '-out', p('apiserver.csr'),
  ); // prettier-ignore
  writeFileSync(
    p('apiserver.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
    ].join('\n'),
  );
  openssl(
    'x509', '-req', '-in', p('apiserver.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', p('apiserver.ext'), '-out', p('apiserver.crt'),
  ); // prettier-ignore

  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(p('sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(p('sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

  const adminToken = randomBytes(24).toString('hex');
  // token,user,uid,"groups": system:masters bypasses RBAC, like a cluster admin's kubeconfig.
  writeFileSync(p('tokens.csv'), `${adminToken},medallion-admin,medallion-admin,"system:masters"\n`, {
    mode: 0o600,
  });

  return {
    caCert: p('ca.crt'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    serviceAccountPublicKey: p('sa.pub'),
    serviceAccountPrivateKey: p('sa.key'),
    tokenFile: p('tokens.csv'),
    adminToken,
  };
}
