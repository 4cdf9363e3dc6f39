import { HOST, re, type ErrorRule } from './rule.js';

export const OTHER_MTA_RULES: readonly ErrorRule[] = [
  {
    id: 'sendmail.verify-fail',
    platform: 'sendmail',
    keywords: ['starttls=client', 'starttls=server'],
    patterns: [re(`STARTTLS=(?:client|server), relay=(?:${HOST})?[^,\\r\\n]{0,80}, version=[^,\\r\\n]{1,20}, verify=(?<verify>FAIL|NO|NOT|NONE|TEMP|PROTOCOL|SOFTWARE|OK)`)],
    meaning:
      'Sendmail’s TLS session summary: verify=OK the certificate verified; FAIL it did not (untrusted or invalid); NO the peer sent none; NOT no certificate was asked for; TEMP, PROTOCOL, SOFTWARE an error. TLS was used in every case but FAIL with a required verification.',
    fault: 'receiver',
    causes: [
      { cause: 'verify=FAIL: the chain does not verify against Sendmail’s CACertPath.', findings: ['cert.untrusted-root', 'cert.chain-incomplete', 'cert.self-signed'] },
      { cause: 'verify=NO: the peer sent no certificate (normal for a client; for a server, no TLS certificate at all).', findings: [] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { sendmail: ['Point confCACERT_PATH/confCACERT at the system CA bundle; the receiver fixes its chain.'] },
    refs: ['Sendmail Installation and Operation Guide: the ${verify} macro'],
    samples: ['STARTTLS=client, relay=mx.example.com., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256'],
  },
];
