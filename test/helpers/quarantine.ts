// Shared by the quarantine space tests: the plugin chain, a world where every message is held
// (seedWorld's two clients and domains, policy "holdall"), and a hostile multipart message.
import type { MailStack } from './e2e';
import { buildMessage } from './smtp';
import { seedWorld } from '../admin/helpers';

export const QUARANTINE_PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
export const HOSTILE_SUBJECT = '<script>alert("subject")</script> Win';
export const HOSTILE_HTML = '<html><body><p>Click <b>here</b></p><img src="http://images.evil.test/pixel.png" onerror="alert(1)"><script>alert("body")</script></body></html>';

export async function provisionQuarantine(stack: MailStack): Promise<void> {
  await seedWorld(stack.db);
  await stack.db('accounts').where({ username: 'clienta' }).update({ email: 'clienta@remote.test' });
  await stack.cli('policy', 'add', 'holdall', '--threshold=-100', '--action', 'quarantine');
  await stack.cli('policy', 'assign', 'holdall', 'a.test');
  await stack.cli('policy', 'assign', 'holdall', 'b.test');
}

export function hostileMessage(to: string, from = 'Prize <prize@lottery.test>'): string {
  const boundary = 'b0undary';
  return buildMessage({
    from,
    to,
    subject: HOSTILE_SUBJECT,
    headers: { 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
    body: [
      `--${boundary}`,
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Plain <b>text</b> part',
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      HOSTILE_HTML,
      '--alt--',
      `--${boundary}`,
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 not really').toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  });
}

