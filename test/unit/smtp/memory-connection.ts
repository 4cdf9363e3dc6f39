// An in-memory Connection for the session's and the client's tests: two in-memory duplexes, one
// for the cleartext phase and one standing in for TLS. Every byte written is recorded; the test
// pushes what the server says, and decides how the handshake ends.
import { Duplex } from 'node:stream';
import type { Connection, TlsHandshake, TlsOptions } from '../../../src/core/context.js';

export const HANDSHAKE: TlsHandshake = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  cipherStandard: 'TLS_AES_256_GCM_SHA384',
  group: 'X25519',
  peerChain: [],
  ocspResponse: null,
  handshakeMs: 1,
};

/** One direction of a fake socket: what the session writes is recorded, the test pushes what the server says. */
export class Wire {
  written = '';
  readonly stream: Duplex;
  constructor() {
    this.stream = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, callback) => {
        this.written += chunk.toString('latin1');
        callback();
      },
    });
  }
  /** The server sends bytes. */
  send(text: string): void {
    this.stream.push(Buffer.from(text, 'latin1'));
  }
}

export class FakeConnection implements Connection {
  readonly localAddress = '192.0.2.1';
  readonly remoteAddress = '192.0.2.25';
  readonly clear = new Wire();
  readonly tls = new Wire();
  stream: Duplex = this.clear.stream;
  tlsOptions: TlsOptions[] = [];
  closed = 0;
  constructor(private readonly handshake: () => Promise<TlsHandshake> = () => Promise.resolve(HANDSHAKE)) {}
  startTls(options: TlsOptions): Promise<TlsHandshake> {
    this.tlsOptions.push(options);
    return this.handshake().then((h) => {
      this.stream = this.tls.stream;
      return h;
    });
  }
  close(): void {
    this.closed++;
    this.stream.destroy();
  }
}
