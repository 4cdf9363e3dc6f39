// A line-oriented SMTP client over a plain or TLS socket, for tests of SMTP servers on loopback
// (test/integration/smtpd*.test.ts): it reads whole replies, multi-line ones as their lines, and
// upgrades its own socket to TLS for STARTTLS. Nothing is verified on TLS: the tests look at the
// server, not at its certificate's trust.
import net from 'node:net';
import tls from 'node:tls';

/** How long one wait for a reply (or a close) lasts before the test is told what arrived. */
const WAIT_MS = 5000;

export class SmtpLineClient {
  private text = '';
  closed = false;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async connect(port: number, host = '127.0.0.1', firstWrite?: string): Promise<SmtpLineClient> {
    const socket = net.connect({ host, port });
    const client = new SmtpLineClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        if (firstWrite !== undefined) socket.write(firstWrite);
        resolve();
      });
      socket.once('error', reject);
    });
    return client;
  }

  private async until(done: (text: string) => number): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const end = done(this.text);
      if (end >= 0) {
        const taken = this.text.slice(0, end);
        this.text = this.text.slice(end);
        return taken;
      }
      if (this.closed) throw new Error(`connection closed; received so far: ${JSON.stringify(this.text)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One complete (possibly multi-line) reply, as its lines. */
  async reply(): Promise<string[]> {
    const text = await this.until((t) => {
      let start = 0;
      for (;;) {
        const end = t.indexOf('\r\n', start);
        if (end < 0) return -1;
        if (/^\d{3}(?: |$)/.test(t.slice(start, end))) return end + 2;
        start = end + 2;
      }
    });
    return text.split('\r\n').slice(0, -1);
  }

  async command(line: string): Promise<string[]> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Waits for the peer to close; returns what arrived before. */
  async waitClosed(): Promise<string> {
    return this.until((t) => (this.closed ? t.length : -1));
  }

  /** TLS on this connection; `servername` null sends no SNI. Nothing is verified. */
  async startTls(servername: string | null, options: tls.ConnectionOptions = {}): Promise<{ client: SmtpLineClient; secure: tls.TLSSocket }> {
    const secure = tls.connect({ ...options, socket: this.socket, servername: servername ?? '', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    return { client: new SmtpLineClient(secure), secure };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The values an observer callback was given, taken one after another (waiting up to 5 s for the next). */
export function nextOf<T>(): { push(value: T): void; next(): Promise<T> } {
  const values: T[] = [];
  let taken = 0;
  let wake: (() => void) | null = null;
  return {
    push(value) {
      values.push(value);
      wake?.();
    },
    async next() {
      const deadline = Date.now() + WAIT_MS;
      while (values.length <= taken) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for value #${taken + 1}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
      return values[taken++]!;
    },
  };
}
