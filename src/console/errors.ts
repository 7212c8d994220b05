/**
 * Console failures as pages: a status, a title and a sentence saying what to
 * do. Thrown anywhere in a route and rendered once, by the app's error handler.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class ConsolePageError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsolePageError';
  }
}

export const notFound = (what: string): ConsolePageError => new ConsolePageError(404, 'Not found', what);
export const badInput = (message: string): ConsolePageError => new ConsolePageError(400, 'Check the form', message);
