// bun test preload: stop the shared test services after the last test file.
import { afterAll } from 'bun:test';
import { shutdownTestServices } from './stack.ts';

afterAll(() => shutdownTestServices());
