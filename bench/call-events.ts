import type { CallEvent } from '@lessllm/shared';
import { randomUUID } from 'node:crypto';

/** The support bot's system prompt: the same for every call, as in a real application (~190 tokens). */
const SYSTEM_PROMPT =
  'You are Aria, the support assistant of Northwind Cloud, a hosting company for small businesses. ' +
  'Answer questions about billing, domains, e-mail, backups and the control panel. Be concise and friendly, ' +
  'and write in plain English without marketing language. When a question needs account access, explain what ' +
  'the customer can check themselves first and then offer to open a ticket. Never ask for passwords or full card ' +
  'numbers. If a customer is upset, acknowledge it in one sentence before answering. Prices: Starter 5 USD per ' +
  'month, Business 15 USD per month, Pro 40 USD per month; upgrades are prorated to the day and downgrades take ' +
  'effect at the next renewal. Refunds are possible within 30 days of a charge. Backups run nightly and are kept ' +
  'for 14 days on Business and 30 days on Pro. Status page: status.northwind.example. Format answers as short ' +
  'paragraphs, and use a numbered list only for step-by-step instructions.';

const USER_SENTENCES = [
  'I upgraded from Starter to Business in the middle of the month and now I see two charges on my card.',
  'Our company website has been loading very slowly since yesterday evening, especially the checkout page.',
  'I tried to add a new mailbox for our accountant but the control panel says the domain is not verified.',
  'Can you tell me how long the nightly backups are kept and whether I can restore a single folder?',
  'We moved our DNS to another provider last week and since then incoming e-mail seems to bounce sometimes.',
  'The invoice for March shows a different VAT number than the one we entered in the billing settings.',
  'One of my colleagues left the company and I need to remove her access without deleting her files.',
  'Our SSL certificate expired this morning even though auto-renewal was switched on in the dashboard.',
  'I would like to downgrade the plan for our staging site, but keep the Pro plan for the production site.',
  'The PHP version was changed automatically and a plugin on our shop stopped working after the update.',
  'We get a 502 error on the admin page about once an hour, and it goes away after a minute or two.',
  'Is it possible to get a refund for the domain I registered by mistake two days ago with a typo in it?',
  'My backup restore has been stuck at 45 percent for three hours and I am not sure if I should cancel it.',
  'Please explain the difference between the Business and the Pro plan for a shop with about 2,000 orders a month.',
  'A customer of ours says our newsletter ended up in spam, and the mail log shows a DKIM failure.',
  'We need an invoice addressed to our parent company in Germany instead of the local branch office.',
  'The storage usage in the dashboard says 48 GB but our files add up to less than 10 GB when I check them.',
  'I cannot log in with two-factor authentication because I replaced my phone and lost the authenticator app.',
  'Could you walk me through pointing a subdomain to a different server while keeping the main site here?',
  'Last night the site was down for about twenty minutes; was there an incident, and will we get a credit?',
  'Our developer wants SSH access for deployments; is that included in Business, and how do we enable it?',
  'The cron job that sends our daily report stopped running after we changed the time zone of the account.',
  'We are a nonprofit organisation and would like to know whether there is a discount on the annual plans.',
  'I see a login from an unknown country in the security log, and I want to make sure our account is safe.',
];

const CLOSINGS = [
  'Thanks a lot for your help.',
  'This is quite urgent for us, so a quick answer would be great.',
  'Please let me know what information you need from me.',
  'I already checked the help center but could not find an answer.',
];

const ANSWERS = [
  'Sorry about the confusion. When you upgrade mid-cycle we charge the prorated difference right away, and the ' +
    'regular renewal appears separately, so two charges in one month are expected. ',
  'Thanks for the details. This usually happens when a setting changed recently; you can check it yourself in ' +
    'the control panel before we dig deeper. ',
  'I understand this is frustrating. Here is what you can check first: open the control panel, go to the ' +
    'relevant section, and compare the values with the ones in your records. ',
  'Good question. The short answer is yes, and it takes only a few minutes to set up. ',
];

const ANSWER_STEPS = [
  '1. Open Billing > Invoices and compare the dates of both charges. ',
  '2. Check the DNS records under Domains > Zone editor. ',
  '3. Look at the last entries in the error log of the site. ',
  '4. Verify the settings under Security > Access. ',
  'If the values look right, reply here and I will open a ticket for the team with everything you sent. ',
  'You can follow any ongoing incident on status.northwind.example. ',
];

const TENANTS = ['acme-support', 'globex-helpdesk', 'initech-ops', 'umbrella-care'];

/** xorshift32: cheap, deterministic variety per event index. */
function random(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const pick = <T>(list: readonly T[], rnd: () => number): T => list[Math.floor(rnd() * list.length)];

/**
 * A realistic gateway CallEvent: a chat completion with the shared system prompt and a ~300-token user message
 * (~500 prompt tokens in all), the assembled answer, provider usage and timings. `request_id` is a fresh UUID.
 * Two in three calls are streams.
 */
export function makeCallEvent(index: number, startedAtMs: number): CallEvent {
  const rnd = random(index + 1);
  const sentences: string[] = [];
  for (let i = 0; i < 12; i++) sentences.push(pick(USER_SENTENCES, rnd));
  const user = `Hi, this is ticket #${100_000 + index}. ${sentences.join(' ')} ${pick(CLOSINGS, rnd)}`;
  let answer = pick(ANSWERS, rnd);
  for (let i = 0; i < 6; i++) answer += pick(ANSWER_STEPS, rnd);
  const streaming = index % 3 !== 0;
  const model = index % 5 === 0 ? 'gpt-4o' : 'gpt-4o-mini';
  const promptTokens = 470 + Math.floor(rnd() * 60);
  const completionTokens = 95 + Math.floor(rnd() * 40);
  const headers = 180 + Math.floor(rnd() * 250);
  const firstToken = headers + 5 + Math.floor(rnd() * 20);
  const total = firstToken + completionTokens * (8 + Math.floor(rnd() * 8));
  const requestId = randomUUID();
  const usageRaw = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
  return {
    version: 2,
    request_id: requestId,
    timestamp: new Date(startedAtMs).toISOString(),
    endpoint: 'chat.completions',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant: TENANTS[index % TENANTS.length],
    user_id: `agent-${index % 97}`,
    requested_model: model,
    model,
    provider: 'openai',
    provider_type: 'openai',
    is_streaming: streaming,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    request: {
      model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: user },
      ],
      temperature: 0.3,
      max_tokens: 400,
      ...(streaming ? { stream: true, stream_options: { include_usage: true } } : {}),
    },
    response: {
      id: `chatcmpl-${requestId.slice(0, 8)}`,
      object: 'chat.completion',
      created: Math.floor(startedAtMs / 1000),
      model: `${model}-2024-07-18`,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.trim() }, finish_reason: 'stop' }],
      usage: usageRaw,
      system_fingerprint: 'fp_bench',
    },
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      cached_tokens: 0,
      cache_creation_tokens: 0,
      reasoning_tokens: 0,
    },
    usage_raw: usageRaw,
    output_chunks: streaming ? completionTokens : 0,
    timing: {
      started_at_ms: startedAtMs,
      dns_ms: null,
      connect_ms: null,
      proxy_ms: null,
      tls_ms: null,
      connection_reused: true,
      upstream_headers_ms: headers,
      first_token_ms: streaming ? firstToken : null,
      total_ms: total,
    },
    attempts: [{ provider: 'openai', model, status: 200, error_type: null, duration_ms: total }],
    egress: 'direct',
  };
}
