// Catalogue entries mta-sts.*: MTA-STS (RFC 8461): the TXT record, the policy over HTTPS, the MX hosts it covers, and what it does to certificate verdicts.
import { defineFindings } from '../types.js';

const PUBLISH_STEPS = [
  'Publish the policy file at https://mta-sts.{domain}/.well-known/mta-sts.txt (Content-Type: text/plain, a certificate valid for mta-sts.{domain}):\n' +
    'version: STSv1\nmode: testing\nmx: <each MX host, or *.<their parent domain>>\nmax_age: 604800',
  'Publish the TXT record: _mta-sts.{domain}. IN TXT "v=STSv1; id=<a new id, e.g. the date 20261129T1200>".',
  'Publish a TLS-RPT record too (_smtp._tls.{domain} TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"), read the reports for two weeks, then change mode to enforce and the id with it.',
];

const NEW_ID = 'Every time the policy file changes, publish a new id in the TXT record (senders fetch the policy again only when the id changes).';

export const MTA_STS_FINDINGS = defineFindings([
  {
    id: 'mta-sts.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['domain', 'mode', 'id', 'maxAge', 'covered', 'resolver'],
    title: 'MTA-STS for {domain}: mode {mode}, policy id {id}, covers {covered}',
    detail:
      'The _mta-sts TXT record and the policy at https://mta-sts.{domain}/.well-known/mta-sts.txt are valid (looked up through {resolver}); senders that use ' +
      'MTA-STS keep the policy for {maxAge} seconds and, in mode enforce, deliver only over TLS to an MX host it names with a certificate that verifies.',
    opportunistic: 'Unaffected: MTA-STS only changes what a sender that implements it does.',
    verifying: 'Senders with MTA-STS (Gmail, Exchange Online, Postfix with postfix-mta-sts-resolver …) require verified TLS to the listed MX hosts in mode enforce.',
    remediation: { summary: 'Nothing to fix.', steps: [NEW_ID] },
    refs: ['RFC 8461'],
  },
  {
    id: 'mta-sts.not-published',
    severity: 'info',
    actor: 'them',
    facts: ['domain', 'resolver'],
    title: '{domain} publishes no MTA-STS policy: STARTTLS to it can be stripped unnoticed',
    detail:
      'There is no _mta-sts.{domain} TXT record starting with v=STSv1 (looked up through {resolver}). Without MTA-STS (or DANE), a sender uses TLS only ' +
      'when the server offers it, so anyone on the path can remove the STARTTLS offer and read the mail, and a sender accepts any certificate.',
    opportunistic: 'Uses TLS when offered, without verifying the certificate; falls back to clear text if STARTTLS disappears.',
    verifying: 'A sender configured by hand for this domain verifies; others do not.',
    remediation: { summary: 'Publish an MTA-STS policy, in mode testing first.', steps: PUBLISH_STEPS },
    refs: ['RFC 8461 §3', 'RFC 8461 §10.2'],
  },
  {
    id: 'mta-sts.lookup-failed',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['domain', 'name', 'error', 'resolver'],
    title: 'The MTA-STS record of {domain} could not be looked up ({error})',
    detail:
      'The TXT query for {name} through {resolver} got no answer ({error}). A sender in the same situation uses a policy it has cached, or delivers as if ' +
      'there were none; whether the domain has MTA-STS is not known.',
    opportunistic: 'Unaffected.',
    verifying: 'Uses a cached policy if it has one; otherwise delivers without MTA-STS.',
    remediation: { summary: 'Check the domain’s DNS servers answer TXT queries (and DNSSEC validates), then test again.', steps: ['`dig TXT {name}` from here and from outside.'] },
    refs: ['RFC 8461 §3.1'],
  },
  {
    id: 'mta-sts.multiple-records',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'count', 'records'],
    title: '{domain} publishes {count} MTA-STS records: senders treat that as no policy',
    detail:
      'The _mta-sts.{domain} TXT answer holds {count} records starting with v=STSv1 ({records}). RFC 8461 §3.1: if there is not exactly one, senders ' +
      'MUST assume the domain has no policy — MTA-STS is off for every sender, however good the policy file is.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders act as if there were no policy (unless they still hold a cached one).',
    remediation: { summary: 'Keep exactly one v=STSv1 record: delete the others.', steps: [NEW_ID] },
    refs: ['RFC 8461 §3.1'],
  },
  {
    id: 'mta-sts.bad-record',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'record', 'problem'],
    title: 'The MTA-STS record of {domain} is invalid: {problem}',
    detail:
      'The record "{record}" at _mta-sts.{domain} is not what RFC 8461 §3.1 defines ({problem}): senders that find an invalid record assume the domain ' +
      'has no MTA-STS policy. The record is "v=STSv1; id=<1 to 32 letters and digits>", the field names in lower case; long records may be split into ' +
      'several strings, which senders join without spaces.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders ignore the domain’s policy.',
    remediation: { summary: 'Publish the record as v=STSv1; id=<letters and digits>.', steps: ['_mta-sts.{domain}. IN TXT "v=STSv1; id=20261129T1200"', NEW_ID] },
    refs: ['RFC 8461 §3.1'],
  },
  {
    id: 'mta-sts.record-near-miss',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'record'],
    title: 'The TXT record "{record}" at _mta-sts.{domain} is meant as MTA-STS but does not start with v=STSv1;',
    detail:
      'Senders discard every _mta-sts record that does not begin exactly with "v=STSv1" followed by ";" (case-sensitive, nothing before it). This one ' +
      'was meant as the MTA-STS record, so the domain has no policy for any sender.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders find no policy.',
    remediation: { summary: 'Write the record as v=STSv1; id=<id>, exactly.', steps: ['_mta-sts.{domain}. IN TXT "v=STSv1; id=20261129T1200"'] },
    refs: ['RFC 8461 §3.1'],
  },
  {
    id: 'mta-sts.policy-unreachable',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'url', 'status', 'message'],
    title: 'The MTA-STS policy of {domain} cannot be fetched: {message}',
    detail:
      'The record announces a policy, but fetching {url} failed ({status}): {message}. A sender without a cached policy then delivers as if ' +
      'there were none (no protection); one with a cached policy keeps applying the old one until its max_age runs out.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders deliver without the policy (or with the old one they cached).',
    remediation: {
      summary: 'Serve the policy over HTTPS at mta-sts.{domain}, reachable from the internet on port 443.',
      steps: ['`curl -v https://mta-sts.{domain}/.well-known/mta-sts.txt` from outside your network.', 'The host name mta-sts.{domain} needs an A/AAAA record (or a CNAME to your web host).'],
    },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.policy-not-fetched',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['domain', 'url', 'why'],
    title: 'mxray did not fetch the MTA-STS policy of {domain}',
    detail: 'The record announces a policy at {url}, but mxray did not fetch it ({why}): the policy and the MX hosts it covers are not judged.',
    opportunistic: 'Unaffected.',
    verifying: 'Unknown: the policy was not read.',
    remediation: { summary: 'Run the test with an HTTP fetcher (the command line always has one).', steps: ['Library callers: pass `fetcher` along with `resolver`, or neither (the system’s are used).'] },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.policy-cert-invalid',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'url', 'detail', 'what', 'message', 'cname'],
    title: 'The MTA-STS policy host of {domain} has a certificate senders reject: {what}',
    detail:
      'The HTTPS certificate of the policy host does not verify when fetching {url} ({message}; {detail}). RFC 8461 §3.3: it must be valid for the name mta-sts.{domain} and chain to a ' +
      'trusted root — also when that name is a CNAME ({cname}): a certificate naming only the hosting provider’s name is rejected. Senders then use no ' +
      'policy (or their cached one).',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders cannot fetch the policy: no MTA-STS protection.',
    remediation: {
      summary: 'Install a publicly trusted certificate whose names include mta-sts.{domain} on the policy host.',
      steps: ['With a hosting provider behind a CNAME, add mta-sts.{domain} as a custom domain there so its certificate names it.', 'Serve the whole chain (leaf and intermediates).'],
    },
    refs: ['RFC 8461 §3.3', 'RFC 6125'],
  },
  {
    id: 'mta-sts.txt-without-policy',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'url', 'httpStatus'],
    title: '{domain} announces MTA-STS, but its policy host answers HTTP {httpStatus}',
    detail:
      'The _mta-sts record says a policy exists, but {url} answered HTTP {httpStatus} instead of the policy. Senders then act as if there were no policy.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders deliver without the policy (or with a cached one).',
    remediation: { summary: 'Serve the policy file at exactly /.well-known/mta-sts.txt with HTTP 200.', steps: ['Or, to withdraw MTA-STS, serve mode: none (see mta-sts.mode-none) before deleting anything.'] },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.policy-redirect',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'url', 'httpStatus', 'location'],
    title: 'The MTA-STS policy of {domain} is a redirect (HTTP {httpStatus}), which senders must not follow',
    detail:
      '{url} answered HTTP {httpStatus} with Location {location}. RFC 8461 §3.3: senders MUST NOT follow redirects when fetching the policy, so they get ' +
      'no policy at all. Web servers often redirect every path to a home page or to www.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders get no policy.',
    remediation: { summary: 'Serve the file itself at https://mta-sts.{domain}/.well-known/mta-sts.txt: exempt that path from redirects.', steps: [
        'nginx: a `location = /.well-known/mta-sts.txt` block that serves the file, before any `return 301`.',
        'Apache: a `RewriteCond` that excludes /.well-known/mta-sts.txt before the redirect rule.',
        '`curl -sI https://mta-sts.{domain}/.well-known/mta-sts.txt` must show HTTP 200, not 301 or 302.',
      ] },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.bad-content-type',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'contentType'],
    title: 'The MTA-STS policy of {domain} is served as {contentType}, not text/plain',
    detail:
      'RFC 8461 §3.3: the policy must be served with media type text/plain (parameters such as charset are fine). It came as {contentType}; senders that ' +
      'check (Gmail and others) ignore the policy.',
    opportunistic: 'Unaffected.',
    verifying: 'Strict MTA-STS senders ignore the policy.',
    remediation: {
      summary: 'Serve /.well-known/mta-sts.txt as text/plain.',
      steps: ['nginx: `location = /.well-known/mta-sts.txt { default_type text/plain; }`', 'Apache: `<Files "mta-sts.txt"> ForceType text/plain </Files>`'],
    },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.policy-too-large',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'limit'],
    title: 'The MTA-STS policy of {domain} is larger than {limit} bytes',
    detail: 'Senders cap the policy they read (RFC 8461 §3.3 suggests 64 KiB); a larger answer is not a policy file and senders ignore it.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders ignore the policy.',
    remediation: { summary: 'Serve only the policy file (a few lines) at that path.', steps: ['`curl -s https://mta-sts.{domain}/.well-known/mta-sts.txt | head` shows what is served instead (often a web page).'] },
    refs: ['RFC 8461 §3.3'],
  },
  {
    id: 'mta-sts.policy-invalid',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'problems', 'hints'],
    title: 'The MTA-STS policy of {domain} is invalid: {problems}',
    detail:
      'The policy file does not follow RFC 8461 §3.2 ({problems}). {hints} Senders that cannot read a valid policy ignore it (or keep a cached one). The ' +
      'file is key: value lines (LF or CRLF), with version: STSv1, mode: enforce|testing|none, max_age: <seconds ≤ 31557600> and one mx: line per pattern.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders ignore the policy.',
    remediation: { summary: 'Fix the policy file, then publish a new id in the TXT record.', steps: ['version: STSv1\nmode: enforce\nmx: mx1.{domain}\nmx: *.mail.{domain}\nmax_age: 604800', NEW_ID] },
    refs: ['RFC 8461 §3.2'],
  },
  {
    id: 'mta-sts.max-age-short',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'maxAge'],
    title: 'The MTA-STS policy of {domain} is kept only {maxAge} seconds by senders',
    detail:
      'max_age is how long senders keep the policy after a fetch. With {maxAge} seconds, a sender must fetch it again often, and an attacker who blocks ' +
      'that fetch (or strips STARTTLS while the policy has run out) defeats MTA-STS. RFC 8461 §3.2 expects weeks or more.',
    opportunistic: 'Unaffected.',
    verifying: 'Protected only while the cached policy lasts.',
    remediation: { summary: 'Set max_age to a week (604800) or more once the policy is final; keep it short only while testing.', steps: [NEW_ID] },
    refs: ['RFC 8461 §3.2', 'RFC 8461 §10.2'],
  },
  {
    id: 'mta-sts.mx-not-covered',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'mx', 'is', 'patterns', 'mode', 'hint', 'effect'],
    title: '{mx} {is} not covered by the MTA-STS policy of {domain} (mode {mode})',
    detail:
      'No mx pattern of the policy ({patterns}) matches {mx}. {hint}{effect} A wildcard *.example.com matches exactly one left-most label ' +
      '(mx1.example.com, not example.com nor a.b.example.com).',
    opportunistic: 'Unaffected.',
    verifying: 'In mode enforce, MTA-STS senders do not deliver to this MX host; in mode testing they deliver and report the failure (TLS-RPT).',
    remediation: { summary: 'Add an mx line for each MX host named to the policy, then publish a new id.', steps: ['mx: <the MX host name> (one line each: {mx})', NEW_ID] },
    refs: ['RFC 8461 §4.1', 'RFC 8461 §5'],
  },
  {
    id: 'mta-sts.pattern-unused',
    severity: 'info',
    actor: 'them',
    facts: ['domain', 'pattern'],
    title: 'The MTA-STS pattern {pattern} matches no MX host of {domain}',
    detail: 'The policy allows {pattern}, but no current MX record points there: a leftover from an old MX, or a typo of one that is meant.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected: unused patterns change nothing.',
    remediation: { summary: 'Remove stale patterns (check for a typo first), then publish a new id.', steps: [NEW_ID] },
    refs: ['RFC 8461 §4.1'],
  },
  {
    id: 'mta-sts.testing',
    severity: 'info',
    actor: 'them',
    facts: ['domain', 'tlsRpt'],
    title: 'The MTA-STS policy of {domain} is in mode testing: failures are reported, not prevented',
    detail:
      'In mode testing, senders deliver even when TLS or the certificate fails and only report it through TLS-RPT ({tlsRpt}). It is the right first step; ' +
      'it protects nothing until the mode is enforce.',
    opportunistic: 'Unaffected.',
    verifying: 'Delivers as without MTA-STS, and reports failures.',
    remediation: { summary: 'Once TLS-RPT reports show no failures for a couple of weeks, change mode to enforce and publish a new id.', steps: [NEW_ID] },
    refs: ['RFC 8461 §5'],
  },
  {
    id: 'mta-sts.mode-none',
    severity: 'info',
    actor: 'them',
    facts: ['domain'],
    title: 'The MTA-STS policy of {domain} is mode none: MTA-STS is being withdrawn',
    detail:
      'Mode none tells senders to drop the policy they cached. It is the right way to withdraw MTA-STS: keep it published (with its new id) for at least ' +
      'the max_age of the policy it replaces, then remove the TXT record and the file.',
    opportunistic: 'Unaffected.',
    verifying: 'Delivers as without MTA-STS.',
    remediation: { summary: 'Nothing to fix if withdrawing is meant.', steps: ['Remove the _mta-sts TXT record and the file only after the old policy’s max_age has passed since mode none was published.'] },
    refs: ['RFC 8461 §5', 'RFC 8461 §8.3'],
  },
  {
    id: 'mta-sts.policy-without-record',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'mode', 'previous'],
    title: '{domain} serves an MTA-STS policy (mode {mode}) but publishes no MTA-STS record',
    detail:
      'https://mta-sts.{domain}/.well-known/mta-sts.txt answers with a policy, but there is no valid _mta-sts TXT record. New senders never fetch it. ' +
      'Senders that cached it earlier keep applying it until its max_age runs out: deleting the TXT record does not withdraw a cached policy. {previous}',
    opportunistic: 'Unaffected.',
    verifying: 'Senders that cached the policy keep enforcing it; others ignore it.',
    remediation: {
      summary: 'Publish the TXT record again — to withdraw, with mode: none in the file and a new id, kept for the old max_age — or to keep MTA-STS, as it was.',
      steps: ['_mta-sts.{domain}. IN TXT "v=STSv1; id=<new id>"'],
    },
    refs: ['RFC 8461 §3.1', 'RFC 8461 §8.3'],
  },
  {
    id: 'mta-sts.id-unchanged',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'id', 'seenAt', 'maxAge'],
    title: 'The MTA-STS policy of {domain} changed but its id {id} did not: senders keep the old one',
    detail:
      'The policy file differs from the one mxray saw at {seenAt} under the same id {id}. Senders fetch the policy again only when the id in the TXT ' +
      'record changes, so every sender that cached the old policy keeps applying it for up to its max_age ({maxAge} seconds) — a new MX host missing ' +
      'from the old policy gets no mail from MTA-STS senders in mode enforce.',
    opportunistic: 'Unaffected.',
    verifying: 'MTA-STS senders apply the old policy until it expires.',
    remediation: { summary: 'Publish a new id in the _mta-sts TXT record now.', steps: [NEW_ID] },
    refs: ['RFC 8461 §3.1', 'RFC 8461 §5.1'],
  },
  {
    id: 'mta-sts.enforce-blocks-delivery',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'hosts', 'why'],
    title: 'MTA-STS senders cannot deliver to {hosts}: {why}',
    detail:
      'The MTA-STS policy of {domain} is in mode enforce, so senders that use MTA-STS (Gmail, Exchange Online and many others) deliver only over TLS, to an ' +
      'MX host the policy names, with a certificate that verifies for that name. Here that fails ({why}) for {hosts}: those senders do not deliver there — a ' +
      'certificate problem that is harmless to opportunistic senders stops their mail. When no MX host passes, their mail is queued and bounced.',
    opportunistic: 'Unaffected: opportunistic senders still deliver.',
    verifying: 'MTA-STS senders do not deliver to these hosts (and bounce the mail when no host passes).',
    remediation: {
      summary: 'Fix the certificate or TLS of these hosts (see their findings) — or, until then, switch the policy to mode testing with a new id.',
      steps: ['The findings of each host say what to fix; after the fix, nothing else is needed (the policy stays as it is).'],
    },
    refs: ['RFC 8461 §4', 'RFC 8461 §5'],
  },
  {
    id: 'mta-sts.testing-would-block',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'hosts', 'why'],
    title: 'In mode enforce, MTA-STS senders could not deliver to {hosts}: {why}',
    detail:
      'The MTA-STS policy of {domain} is in mode testing, so these failures are only reported (TLS-RPT). Switching to enforce now would stop mail from ' +
      'MTA-STS senders to {hosts}.',
    opportunistic: 'Unaffected.',
    verifying: 'Delivered (mode testing) and reported as failures.',
    remediation: { summary: 'Fix these hosts before the mode becomes enforce.', steps: ['Each host’s findings say what to fix; `mxray tlsrpt` on the reports received shows the same failures from the senders’ side.'] },
    refs: ['RFC 8461 §5'],
  },
]);
