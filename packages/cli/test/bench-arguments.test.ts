import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/arguments.js';

describe('parseCommandLine for bench', () => {
  it('fills in the defaults', () => {
    expect(parseCommandLine(['bench'])).toEqual({
      name: 'bench',
      argv: [],
      options: {
        url: 'http://127.0.0.1:8080',
        replicaUrls: undefined,
        authUrl: undefined,
        redisUrl: undefined,
        ipHashUrl: undefined,
        durationSeconds: undefined,
        rounds: undefined,
        connections: undefined,
        quick: false,
        mainOnly: false,
        json: false,
        htmlPath: undefined,
      },
    });
  });

  it('reads every option', () => {
    const argv = [
      '--url',
      'http://127.0.0.1:18080/',
      '--replica-url',
      'http://127.0.11.1:3000',
      '--replica-url',
      'http://127.0.11.2:3000',
      '--redis-url',
      'redis://127.0.12.1:6379',
      '--duration-seconds',
      '2',
      '--rounds',
      '3',
      '--connections',
      '20',
      '--quick',
      '--main-only',
      '--json',
      '--html',
      'report.html',
    ];

    const command = parseCommandLine(['bench', ...argv]);

    expect(command).toMatchObject({
      name: 'bench',
      argv,
      options: {
        url: 'http://127.0.0.1:18080',
        replicaUrls: ['http://127.0.11.1:3000', 'http://127.0.11.2:3000'],
        redisUrl: 'redis://127.0.12.1:6379',
        durationSeconds: 2,
        rounds: 3,
        connections: 20,
        quick: true,
        mainOnly: true,
        json: true,
        htmlPath: 'report.html',
      },
    });
  });

  it('turns --help into the bench help', () => {
    expect(parseCommandLine(['bench', '--help'])).toEqual({ name: 'help', topic: 'bench' });
  });

  it.each([
    [['bench', '--rounds', '0'], '--rounds must be an integer from 1 to 50, got "0"'],
    [
      ['bench', '--duration-seconds', '1.5'],
      '--duration-seconds must be an integer from 1 to 600, got "1.5"',
    ],
    [['bench', '--connections', '5000'], '--connections must be an integer from 1 to 1000, got "5000"'],
    [
      ['bench', '--url', 'http://192.168.1.20:8080'],
      '--url must be on a loopback address (127.x.x.x, localhost or [::1]), got "http://192.168.1.20:8080"',
    ],
    [['bench', '--redis-url', 'http://127.0.12.1:6379'], '--redis-url must be a redis:// URL'],
    [['bench', '--replica-url', 'not a url'], '--replica-url must be a URL, got "not a url"'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
