// multipart/form-data bodies (file uploads) without another dependency: the raw body is read
// with a size limit and parsed by the WHATWG FormData parser built into Node (undici).
// Text parts become strings (repeated names: arrays), file parts { filename, contentType,
// content }. Only for logged-in users: anyone else's multipart body is not read at all (the
// CSRF check then refuses it).
import express, { type Request, type Response, type NextFunction } from 'express';
import type { UploadedFile } from './engine/types';

export function multipartBody(opts: { limitBytes: number }) {
  const raw = express.raw({ type: 'multipart/form-data', limit: opts.limitBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data') || !req.user) return next();
    raw(req, res, async (err?: unknown) => {
      if (err) return next(err);
      try {
        const buf = req.body as Buffer;
        const form = await new Response_(buf, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
        const body: Record<string, unknown> = {};
        for (const [name, value] of form.entries()) {
          let v: string | UploadedFile;
          if (typeof value === 'string') v = value;
          else {
            const file = value as unknown as { name: string; type: string; arrayBuffer(): Promise<ArrayBuffer> };
            v = { filename: file.name, contentType: file.type || '', content: Buffer.from(await file.arrayBuffer()) };
          }
          const prev = body[name];
          body[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        req.body = body;
        next();
      } catch {
        next(Object.assign(new Error('bad multipart body'), { status: 400 }));
      }
    });
  };
}

// the global fetch Response (not Express's), spelled out so the import above does not shadow it
const Response_ = globalThis.Response;
