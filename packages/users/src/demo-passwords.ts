/**
 * Published demo credentials. They are public on purpose: the README lists them so anyone can sign in to the
 * lab. Only their hashes reach the services (see demo-users.generated.ts).
 */
export const DEMO_CREDENTIALS: readonly { readonly username: string; readonly password: string }[] =
  Object.freeze([
    { username: 'alice', password: 'alice-in-the-lab' },
    { username: 'bob', password: 'bob-builds-the-lab' },
    { username: 'carol', password: 'carol-sings-in-the-lab' },
  ]);
