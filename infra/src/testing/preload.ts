// bun test preload: stop the shared test services after the last test file.
import { afterAll } from 'bun:test';
import { stopTestOidc } from './auth.ts';
import { shutdownTestServices } from './stack.ts';

afterAll(async () => {
  await stopTestOidc();
  shutdownTestServices();
});
