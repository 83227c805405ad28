// The peer app of the bench: the lab's JWT and Redis-session routes written the way most express
// tutorials write them (express, express-session with connect-redis, jsonwebtoken), so the bench can
// measure the lab against the common way in the same run. It is a yardstick, not a model to copy: it
// keeps the usual tutorial choices, such as session middleware mounted for every route.
//
// Environment: PEER_HOST (a loopback address), PEER_PORT, PEER_REDIS_URL, PEER_JWT_SECRET and
// PEER_SESSION_SECRET (each at least 32 characters). The demo user is alice with the lab's published demo
// password.

const crypto = require('node:crypto');
const { RedisStore } = require('connect-redis');
const express = require('express');
const session = require('express-session');
const jwt = require('jsonwebtoken');
const { createClient } = require('redis');

const MIN_SECRET_LENGTH = 32;
const ACCESS_TOKEN_TTL_SECONDS = 900;
const SESSION_MAX_AGE_MS = 30 * 60 * 1000;

function readSettings(env) {
  const problems = [];
  const host = env.PEER_HOST ?? '127.0.0.1';
  const port = Number(env.PEER_PORT ?? '3900');
  if (!host.startsWith('127.')) {
    problems.push(`PEER_HOST must be a loopback address such as 127.0.0.1, got ${host}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`PEER_PORT must be a port number, got ${env.PEER_PORT}`);
  }
  if (!env.PEER_REDIS_URL) {
    problems.push('PEER_REDIS_URL is missing: set it to redis://host:port');
  }
  for (const name of ['PEER_JWT_SECRET', 'PEER_SESSION_SECRET']) {
    const length = (env[name] ?? '').length;
    if (length < MIN_SECRET_LENGTH) {
      problems.push(`${name} must have at least ${MIN_SECRET_LENGTH} characters, got ${length}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`invalid peer configuration:\n  ${problems.join('\n  ')}`);
  }
  return {
    host,
    port,
    redisUrl: env.PEER_REDIS_URL,
    jwtSecret: env.PEER_JWT_SECRET,
    sessionSecret: env.PEER_SESSION_SECRET,
  };
}

function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  return { salt, key: crypto.scryptSync(password, salt, 32) };
}

function checkPassword(password, stored) {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, stored.salt, 32, (error, key) =>
      error ? reject(error) : resolve(crypto.timingSafeEqual(key, stored.key)),
    );
  });
}

const users = new Map([['alice', hashPassword('alice-in-the-lab')]]);

async function findUser(username, password) {
  const stored = users.get(username);
  if (typeof password !== 'string' || !stored) {
    return undefined;
  }
  return (await checkPassword(password, stored)) ? username : undefined;
}

const MAX_EXTRA_BYTES = 65536;

function readExtraBytes(value) {
  const bytes = Number(value ?? 0);
  return Number.isInteger(bytes) && bytes > 0 && bytes <= MAX_EXTRA_BYTES ? bytes : 0;
}

async function main() {
  const settings = readSettings(process.env);

  const redisClient = createClient({ url: settings.redisUrl });
  redisClient.on('error', (error) => console.error('redis error', error.message));
  await redisClient.connect();

  const app = express();
  app.use(express.json());
  app.use(
    session({
      store: new RedisStore({ client: redisClient, prefix: 'peer-sess:' }),
      secret: settings.sessionSecret,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: SESSION_MAX_AGE_MS },
    }),
  );
  app.use((_req, res, next) => {
    res.set('X-Served-By', 'peer');
    next();
  });

  function authenticateToken(req, res, next) {
    const header = req.headers.authorization;
    const token = header?.split(' ')[1];
    if (!token) {
      return res.status(401).json({ message: 'No token provided' });
    }
    jwt.verify(token, settings.jwtSecret, { algorithms: ['HS256'] }, (error, payload) => {
      if (error) {
        return res.status(401).json({ message: 'Invalid token' });
      }
      req.user = payload;
      next();
    });
  }

  function requireSession(req, res, next) {
    if (!req.session.user) {
      return res.status(401).json({ message: 'Not logged in' });
    }
    next();
  }

  app.get('/public/me', (_req, res) => {
    res.json({ strategy: 'none', servedBy: 'peer' });
  });

  app.post('/auth/login', async (req, res, next) => {
    try {
      const user = await findUser(req.body?.username, req.body?.password);
      if (!user) {
        return res.status(401).json({ message: 'Invalid username or password' });
      }
      const claims = { sub: user };
      // The session-size sweep carries this much extra data in the token.
      const extraBytes = readExtraBytes(req.query.sessionBytes);
      if (extraBytes > 0) {
        claims.note = 'x'.repeat(extraBytes);
      }
      const token = jwt.sign(claims, settings.jwtSecret, { expiresIn: ACCESS_TOKEN_TTL_SECONDS });
      res.json({ access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS });
    } catch (error) {
      next(error);
    }
  });

  app.get('/jwt/me', authenticateToken, (req, res) => {
    res.json({ strategy: 'jwt', sub: req.user.sub, servedBy: 'peer' });
  });

  app.post('/session-redis/login', async (req, res, next) => {
    try {
      const user = await findUser(req.body?.username, req.body?.password);
      if (!user) {
        return res.status(401).json({ message: 'Invalid username or password' });
      }
      req.session.regenerate((error) => {
        if (error) {
          return next(error);
        }
        req.session.user = user;
        // The session-size sweep stores this much extra data in the session.
        const extraBytes = readExtraBytes(req.query.sessionBytes);
        if (extraBytes > 0) {
          req.session.note = 'x'.repeat(extraBytes);
        }
        res.json({ strategy: 'session-redis', sub: user, servedBy: 'peer' });
      });
    } catch (error) {
      next(error);
    }
  });

  app.get('/session-redis/me', requireSession, (req, res) => {
    res.json({ strategy: 'session-redis', sub: req.session.user, servedBy: 'peer' });
  });

  app.post('/session-redis/logout', (req, res, next) => {
    req.session.destroy((error) => {
      if (error) {
        return next(error);
      }
      res.clearCookie('connect.sid');
      res.status(204).end();
    });
  });

  const server = app.listen(settings.port, settings.host, () => {
    console.log(`peer listening on http://${settings.host}:${settings.port}`);
  });

  const shutdown = () => {
    server.close(() => {
      redisClient.quit().finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
