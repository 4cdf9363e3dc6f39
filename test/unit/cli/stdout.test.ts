// The sink over standard output: a write is done when the stream says so; a reader gone (EPIPE)
// is quiet; any other failure is an OutputError, never an uncaught 'error' event.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSink, OutputError } from '../../../src/cli/stdout.js';

/** A stream that fails every write with `code` once `failFrom` writes have gone through. */
function failingStream(code: string, failFrom = 0) {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (written.length >= failFrom) cb(Object.assign(new Error(`write ${code}`), { code }));
      else {
        written.push(chunk.toString());
        cb();
      }
    },
  });
  return { stream, written };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createSink', () => {
  it('a write resolves only once the stream has taken the text', async () => {
    let release: () => void = () => {};
    const written: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk.toString());
        release = cb;
      },
    });
    const sink = createSink(stream);
    let done = false;
    const write = sink.write('hello').then(() => (done = true));
    const flushed = sink.flush();
    await tick();
    expect(written).toEqual(['hello']);
    expect(done).toBe(false);
    release();
    await write;
    await flushed;
    expect(done).toBe(true);
  });

  it('EPIPE (the reader went away): quiet, and the rest is dropped', async () => {
    const { stream, written } = failingStream('EPIPE', 1);
    const sink = createSink(stream);
    await sink.write('one');
    await expect(sink.write('two')).resolves.toBeUndefined();
    await expect(sink.write('three')).resolves.toBeUndefined();
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(written).toEqual(['one']);
  });

  for (const code of ['ENOSPC', 'EIO']) {
    it(`${code}: the write, later writes and flush all reject with OutputError ${code}`, async () => {
      const { stream } = failingStream(code);
      const sink = createSink(stream);
      const err = await sink.write('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutputError);
      expect((err as OutputError).code).toBe(code);
      expect((err as OutputError).message).toBe(`cannot write output: ${code}`);
      await expect(sink.write('y')).rejects.toBe(err);
      await expect(sink.flush()).rejects.toBe(err);
    });
  }

  it('a failure of a write nobody awaited (help text) still comes out at flush', async () => {
    const { stream } = failingStream('ENOSPC');
    const sink = createSink(stream);
    void sink.write('help text').catch(() => {});
    await expect(sink.flush()).rejects.toBeInstanceOf(OutputError);
  });

  it("listens for the stream's 'error' event, so it never becomes an uncaught exception", () => {
    const { stream } = failingStream('EIO');
    createSink(stream);
    expect(stream.listenerCount('error')).toBe(1);
    expect(() => stream.emit('error', Object.assign(new Error('EIO'), { code: 'EIO' }))).not.toThrow();
  });
});
