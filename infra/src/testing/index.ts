// Test helpers that run real services (never mocks): databases, NATS, OIDC logins.
export {
  freshDatabase,
  REPO_ROOT,
  type TestDatabase,
  type TestServices,
  testServices,
} from './stack.ts';
