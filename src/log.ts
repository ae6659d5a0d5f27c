// winston logger: JSON lines by default, one line per request from the HTTP layer.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(options: { level: string; format: 'json' | 'text' }): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(winston.format.timestamp(), winston.format.printf(({ level, message, timestamp, ...rest }) => `${timestamp} ${level} ${message} ${Object.keys(rest).length ? JSON.stringify(rest) : ''}`.trimEnd()));
  return winston.createLogger({ level: options.level, format, transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })] });
}

/** A logger that drops everything (tests, CLI one-shots). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
