import { seededRandom } from '@lessllm/shared';

/**
 * Deterministic generator of varied chat "last turns" for the semantic-index benchmark: what users of ONE
 * context (same system prompt, same tenant) would ask. Question templates over many domains, slot words drawn
 * with a Zipf law (a few very common, a long tail, plus made-up product/person names), optional openers,
 * qualifiers and a second clause. Sentences from the same template share most of their words, so their
 * lexical vectors cluster - the hard case for LSH (big signature buckets), unlike uniform random vectors.
 */

const words = (s: string): string[] => s.trim().split(/\s*,\s*/);

const SLOTS: Record<string, string[]> = {
  lang: words(
    'Python, JavaScript, TypeScript, Java, Go, Rust, C++, C#, Ruby, PHP, Kotlin, Swift, Scala, Haskell, Elixir, ' +
      'Lua, Perl, R, Julia, Dart, Bash, SQL, Clojure, OCaml, Zig, Nim, F#, Erlang, Fortran, COBOL',
  ),
  thing: words(
    'linked list, binary tree, hash map, string, array, dictionary, JSON file, CSV file, date, timestamp, ' +
      'HTTP request, websocket, regular expression, matrix, queue, stack, graph, heap, set, tuple, enum, ' +
      'promise, thread pool, database connection, config file, environment variable, log file, unit test, ' +
      'Docker image, Kubernetes pod, git branch, SSH key, TLS certificate, cron job, REST API, GraphQL query, ' +
      'PDF document, image, video stream, zip archive, UTF-8 string, big integer, floating point number, UUID',
  ),
  action: words(
    'reverse, sort, parse, serialize, validate, merge, split, flatten, deduplicate, compress, encrypt, hash, ' +
      'debug, profile, benchmark, refactor, document, test, mock, cache, paginate, stream, filter, transform, ' +
      'convert, rename, delete, copy, clone, compare, format, sanitize, encode, decode, upload, download, ' +
      'deploy, monitor, rotate, backup, restore, migrate, index, search, count, print',
  ),
  constraint: words(
    'without recursion, in place, in O(n) time, without extra memory, using only the standard library, ' +
      'with a generator, asynchronously, in a single pass, without a library, with type hints, efficiently, ' +
      'safely, in one line, for large inputs, concurrently, lazily, immutably, with error handling',
  ),
  city: words(
    'Paris, London, Tokyo, New York, Berlin, Rome, Madrid, Lisbon, Prague, Vienna, Amsterdam, Barcelona, ' +
      'Istanbul, Dubai, Singapore, Bangkok, Seoul, Sydney, Toronto, Montreal, Mexico City, Buenos Aires, Cairo, ' +
      'Cape Town, Marrakesh, Oslo, Stockholm, Helsinki, Reykjavik, Dublin, Edinburgh, Zurich, Munich, Milan, ' +
      'Venice, Florence, Athens, Budapest, Warsaw, Krakow, Kyoto, Osaka, Hanoi, Bali, Lima, Bogota, Havana',
  ),
  trip: words(
    'a weekend, three days, a week, ten days, two weeks, a month, a honeymoon, a family holiday, a business trip, ' +
      'a solo trip, a road trip, a backpacking trip',
  ),
  dish: words(
    'lasagna, risotto, pad thai, ramen, sourdough bread, banana bread, chocolate cake, apple pie, pancakes, ' +
      'waffles, omelette, curry, chili, paella, tacos, burritos, sushi, dumplings, pho, hummus, falafel, ' +
      'brownies, cookies, cheesecake, tiramisu, carbonara, bolognese, pesto, guacamole, gazpacho, minestrone, ' +
      'beef stew, roast chicken, fried rice, naan, croissants, macarons, granola, smoothie, lemonade',
  ),
  diet: words(
    'vegan, vegetarian, gluten free, dairy free, low carb, keto, low sodium, nut free, sugar free, ' +
      'high protein, kid friendly, budget',
  ),
  symptom: words(
    'headache, back pain, sore throat, insomnia, fatigue, a cough, a fever, heartburn, allergies, a sprained ankle, ' +
      'knee pain, dry skin, a migraine, nausea, dizziness, muscle cramps, a stiff neck, acne, eczema, anxiety',
  ),
  account: words(
    'password, email address, phone number, billing address, payment method, subscription, username, ' +
      'profile picture, two factor authentication, notification settings, shipping address, invoice, ' +
      'order, refund, delivery date, account, API key, team members, plan, license',
  ),
  concept: words(
    'inflation, compound interest, photosynthesis, quantum entanglement, black holes, the French Revolution, ' +
      'the Roman Empire, machine learning, neural networks, blockchain, climate change, plate tectonics, ' +
      'the immune system, supply and demand, game theory, relativity, evolution, the stock market, ' +
      'democracy, the cold war, DNA replication, the water cycle, entropy, recursion, public key cryptography',
  ),
  audience: words(
    'a five year old, a beginner, a teenager, a high school student, an expert, my grandmother, a manager, ' +
      'a software engineer, a doctor, a lawyer',
  ),
  metric: words(
    'population, area, GDP, average temperature, elevation, time zone, currency, official language, ' +
      'distance to the sea, number of museums, cost of living, average rent',
  ),
};

/** Made-up names (products, people, libraries): the long tail real traffic is full of. */
function makeNames(rand: () => number, n: number): string[] {
  const syl =
    'ka,lo,mi,ra,ven,tor,zu,pel,qui,nax,bro,sil,dor,fen,gra,hul,jin,kor,lum,mer,nor,pax,rin,sul,tev,wix'.split(',');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(rand() * 2);
    let w = '';
    for (let j = 0; j < len; j++) w += syl[Math.floor(rand() * syl.length)];
    out.push(w[0].toUpperCase() + w.slice(1));
  }
  return out;
}

const TEMPLATES: string[] = [
  'How do I {action} a {thing} in {lang}?',
  'How can I {action} a {thing} in {lang} {constraint}?',
  'What is the best way to {action} a {thing} in {lang}?',
  'Write a {lang} function to {action} a {thing} {constraint}.',
  'Why does my {lang} code fail when I {action} a {thing}?',
  'What is the difference between {action} and {action} for a {thing} in {lang}?',
  'Show me an example of how to {action} a {thing} with {company} in {lang}.',
  'Is {company} a good library to {action} a {thing} in {lang}?',
  'Plan {trip} in {city} for me.',
  'What are the best things to do in {city} during {trip}?',
  'What is the {metric} of {city}?',
  'Compare the {metric} of {city} and {city}.',
  'Is {city} a good place for {trip}?',
  'Give me a {diet} recipe for {dish}.',
  'How long should I bake {dish}?',
  'Can I make {dish} without an oven?',
  'What goes well with {dish} for a {diet} dinner?',
  'What can I do about {symptom} at night?',
  'Should I see a doctor for {symptom} that lasts a week?',
  'What are common causes of {symptom}?',
  'How do I change my {account}?',
  'I cannot update my {account} in the {company} app.',
  'Where can I find my {account} in {company}?',
  'Why was my {account} reset after the {company} update?',
  'Explain {concept} to {audience}.',
  'Summarize {concept} in three sentences.',
  'What is the relationship between {concept} and {concept}?',
  'Write a short poem about {concept} for {audience}.',
  'Who is {name} and what did they say about {concept}?',
  'Translate "{name} loves {dish}" into French.',
];

const OPENERS = words(
  'Hi, Hey, Quick question:, Hello there, Please, Can you help me?, I need help., Thanks in advance., Hi team,',
);
const SUFFIXES = words(
  'Thanks!, Please be brief., Explain step by step., Give me two options., Keep it short., With examples please., ' +
    'I am in a hurry., This is for work., Answer in bullet points.',
);

/** Index in [0, n) with P(i) proportional to 1 / (i + 1)^s (Zipf). */
function zipf(rand: () => number, n: number, s = 1.07): number {
  // Inverse-CDF on the continuous approximation; good enough for a word picker.
  const u = rand();
  if (s === 1) return Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1)) - 1));
  const a = 1 - s;
  const hi = (n + 1) ** a;
  return Math.min(n - 1, Math.max(0, Math.floor((1 + u * (hi - 1)) ** (1 / a) - 1)));
}

export class SentenceGenerator {
  private readonly rand: () => number;
  private readonly slots: Record<string, string[]>;

  constructor(seed = 7) {
    this.rand = seededRandom(seed);
    const names = makeNames(seededRandom(seed ^ 0x9e3779b9), 4000);
    this.slots = { ...SLOTS, company: names.slice(0, 400), name: names.slice(400) };
  }

  private pick<T>(list: T[]): T {
    return list[zipf(this.rand, list.length)];
  }

  /** One sentence: a template (Zipf-weighted) with its slots filled, sometimes an opener, suffix or 2nd clause. */
  next(): string {
    const r = this.rand;
    const fill = (tpl: string) => tpl.replace(/\{(\w+)\}/g, (_m, slot: string) => this.pick(this.slots[slot]));
    let s = fill(TEMPLATES[zipf(r, TEMPLATES.length, 0.6)]);
    if (r() < 0.25)
      s = `${fill(TEMPLATES[Math.floor(r() * TEMPLATES.length)])} Also, ${s[0].toLowerCase()}${s.slice(1)}`;
    if (r() < 0.3) s = `${OPENERS[Math.floor(r() * OPENERS.length)]} ${s}`;
    if (r() < 0.3) s = `${s} ${SUFFIXES[Math.floor(r() * SUFFIXES.length)]}`;
    if (r() < 0.15) s = `${s} (ref ${Math.floor(r() * 100_000)})`;
    return s;
  }

  /**
   * A near-duplicate of `s` a user could type: one to three edits among case change, punctuation dropped,
   * filler word, one-letter typo, opener/suffix added or dropped, doubled spaces. Most stay above cosine 0.85
   * with the lexical embedder; the benchmark keeps the ones that do.
   */
  variant(s: string): string {
    const r = this.rand;
    const edits = 1 + Math.floor(r() * 3);
    let out = s;
    for (let e = 0; e < edits; e++) {
      const kind = Math.floor(r() * 6);
      if (kind === 0) out = r() < 0.5 ? out.toLowerCase() : out.toUpperCase();
      else if (kind === 1) out = out.replace(/[?.!,:"]/g, '');
      else if (kind === 2) out = r() < 0.5 ? `please ${out}` : `${out} please`;
      else if (kind === 3) {
        const ws = out.split(' ');
        const i = Math.floor(r() * ws.length);
        const w = ws[i];
        if (w.length > 3) {
          const j = 1 + Math.floor(r() * (w.length - 2));
          ws[i] = w.slice(0, j) + w[j + 1] + w[j] + w.slice(j + 2);
        }
        out = ws.join(' ');
      } else if (kind === 4) out = r() < 0.5 ? `${OPENERS[Math.floor(r() * OPENERS.length)]} ${out}` : `${out} thanks`;
      else out = out.replace(/ /g, r() < 0.5 ? '  ' : ' ');
    }
    return out;
  }
}
