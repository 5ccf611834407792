// One-shot messages shown on the next rendered page (after a redirect), kept in the session.
import type { Request } from 'express';
import type {} from 'express-session';

export function flash(req: Request, type: 'success' | 'danger' | 'info', text: string): void {
  const s = req.session as unknown as { flash?: { type: string; text: string }[] };
  (s.flash ??= []).push({ type, text });
}
