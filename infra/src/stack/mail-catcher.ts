// The local stack's mail catcher: a real SMTP server (smtp-server) on a free loopback port that
// keeps every mail it receives, with the headers parsed and the text body's transfer encoding
// undone (for tests), and, given a directory, writes each one there as an .eml file (for `up`
// and the browser tests: nothing leaves the machine, and the mails can be read).
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  to: string[];
  raw: string;
  headers: Map<string, string>;
  /** The text as the reader sees it (transfer encoding undone). */
  text: string;
}

/** Unfolds the header block and maps lower-case names to values (the last one wins). */
function parseHeaders(head: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes: number[] = [];
  const flat = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < flat.length; i++) {
    const escaped = flat[i] === '=' && /^[0-9A-F]{2}$/i.test(flat.slice(i + 1, i + 3));
    bytes.push(escaped ? Number.parseInt(flat.slice(i + 1, i + 3), 16) : flat.charCodeAt(i));
    if (escaped) i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses a single-part text mail as nodemailer writes it. */
export function parseMail(raw: string, to: string[] = []): SunkMail {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  return { to, raw, headers, text: decodeBody(raw.slice(split + 4), encoding) };
}

export interface SmtpSink {
  mails: SunkMail[];
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  stop(): Promise<void>;
}

/** `dir`: also write each mail there as `<n>-<time>.eml` (the order they arrived in). */
export async function startSmtpSink(opts: { dir?: string } = {}): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push(parseMail(raw, to));
        if (opts.dir) {
          const name = `${String(mails.length).padStart(5, '0')}-${Date.now()}.eml`;
          writeFileSync(join(opts.dir, name), `X-Envelope-To: ${to.join(', ')}\r\n${raw}`);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    mails,
    url: `smtp://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
