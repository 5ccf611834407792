// Security headers: a strict Content-Security-Policy (everything from this origin, no inline
// script or style), no framing; HSTS only when the admin is served over HTTPS.
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(opts: { secureCookies?: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'], // Bootstrap draws checkboxes and select arrows with data: SVGs
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: opts.secureCookies ? undefined : false,
  });
}
