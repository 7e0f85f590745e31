// Test helpers that run real services (never mocks): databases, NATS, OIDC logins.

export { DEMO_PASSWORD } from '../oidc/provider.ts';
export { parseMail, type SmtpSink, type SunkMail, startSmtpSink } from '../stack/mail-catcher.ts';
export { accessTokenFor, stopTestOidc, TEST_CLIENT, testOidc, tokensFor } from './auth.ts';
export { loginWithCodeFlow } from './oidc-login.ts';
export {
  freshDatabase,
  REPO_ROOT,
  shutdownTestServices,
  type TestDatabase,
  type TestServices,
  testServices,
} from './stack.ts';
export { startTokenAttacks, type TokenAttackSetup } from './token-attacks.ts';
export {
  type AttackToken,
  attackTokens,
  type CountingProvider,
  keycloakClaims,
  ownKey,
  type SigningKey,
  type StaticIssuer,
  signToken,
  startCountingProvider,
  startStaticIssuer,
} from './token-forge.ts';
