// Container HEALTHCHECK: `bun infra/docker/healthcheck.ts <port> [path]` exits 0 when the
// service on that port answers 2xx. The images carry no curl, and Bun is already there.
const [port = '', path = '/health/live'] = process.argv.slice(2);

if (!/^\d{1,5}$/.test(port)) {
  console.error('usage: bun infra/docker/healthcheck.ts <port> [path]');
  process.exit(2);
}

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(2_000),
  });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
