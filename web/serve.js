// The web's HTTP server (`bun web/serve.js`, what `npm run up`, the tests and the image run):
// SvelteKit's adapter-node handler inside a server that can drain. On SIGTERM (a deploy
// replacing this instance) it answers /health/live with 503 "draining" for DRAIN_MS while it
// still serves every page, with `Connection: close` so the front door reuses no connection to
// it; Caddy's health checks take it out of rotation. Then it stops listening, lets requests
// under way finish (at most SHUTDOWN_TIMEOUT seconds) and exits. SIGINT skips the drain.
import { createServer } from 'node:http';
import { handler } from './build/handler.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const drainMs = Number(process.env.DRAIN_MS ?? 0);
const shutdownMs = Number(process.env.SHUTDOWN_TIMEOUT ?? 30) * 1000;
let draining = false;

const server = createServer((req, res) => {
  if (draining) {
    res.setHeader('connection', 'close');
    if (req.url === '/health/live' || req.url === '/health/ready') {
      res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end('{"status":"draining","service":"web"}');
      return;
    }
  }
  handler(req, res, () => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
  });
});
// Longer than the front door keeps an idle connection (KEEP_ALIVE_TIMEOUT seconds, agreed
// with the Caddyfile), so Caddy never reuses one we closed.
server.keepAliveTimeout = Number(process.env.KEEP_ALIVE_TIMEOUT ?? 75) * 1000;
server.headersTimeout = server.keepAliveTimeout + 5_000;
server.listen(port, host, () => {
  console.log(JSON.stringify({ level: 'info', service: 'web', msg: 'web listening', port, host }));
});

let stopping = false;
/** @param {'SIGTERM' | 'SIGINT'} signal */
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  draining = true;
  const wait = signal === 'SIGTERM' ? drainMs : 0;
  console.log(
    JSON.stringify({ level: 'info', service: 'web', msg: 'stopping', signal, drainMs: wait }),
  );
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, shutdownMs).unref();
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
