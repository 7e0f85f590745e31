// Pure DTO entry point: the row → DTO mappings core and edge share, never a connection.
export * from './account.ts';
export * from './message.ts';
export * from './node.ts';
