export { DEMO_CREDENTIALS } from './demo-passwords.js';
export { DEMO_USERS } from './demo-users.generated.js';
export { hashPassword, MAX_PASSWORD_BYTES, SCRYPT_PARAMETERS, verifyPassword } from './password-hash.js';
export {
  buildUserDirectory,
  type CredentialCheck,
  type StoredUser,
  type UserDirectory,
} from './user-directory.js';
