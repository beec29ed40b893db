// Scenarios against an OpenTracy node with the official `openai` package.
// Usage: node compat.mjs <scenario> <model> [directive]      → prints one JSON line (the result)
//        node compat.mjs batch < cases.json                  → cases: [{name, scenario, model, directive?, key?}],
//                                                              run concurrently; prints one JSON object {name: result}
// Environment: OPENAI_BASE_URL (the node's /v1), OPENAI_API_KEY (a gateway key, or anything on an open node).
import OpenAI from 'openai';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function run(scenario, model, directive = '', apiKey = undefined) {
  const client = new OpenAI({ apiKey, maxRetries: scenario === 'error-retried' ? 2 : 0, timeout: 60_000 });
  const user = (text) => [{ role: 'user', content: `${text} ${directive}`.trim() }];
  switch (scenario) {
    case 'chat': {
      const r = await client.chat.completions.create({ model, messages: user('Say hello') });
      return { content: r.choices[0].message.content, finish_reason: r.choices[0].finish_reason, usage: r.usage, object: r.object };
    }
    case 'stream':
    case 'stream-usage': {
      const stream = await client.chat.completions.create({
        model, messages: user('one two three four'), stream: true,
        ...(scenario === 'stream-usage' ? { stream_options: { include_usage: true } } : {}),
      });
      let text = ''; let chunks = 0; let usage = null; let finish = null;
      for await (const chunk of stream) {
        chunks++;
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          text += c.delta?.content ?? '';
          if (c.finish_reason) finish = c.finish_reason;
        }
      }
      return { content: text, chunks, usage, finish_reason: finish };
    }
    case 'tools': {
      const r = await client.chat.completions.create({
        model, messages: user('Weather in Paris?'), tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      });
      const call = r.choices[0].message.tool_calls?.[0];
      return { finish_reason: r.choices[0].finish_reason, id: call?.id, name: call?.function.name, arguments: call?.function.arguments };
    }
    case 'stream-tools': {
      const stream = await client.chat.completions.create({
        model, messages: user('Weather in Paris?'), tools: [weatherTool], tool_choice: 'auto', stream: true,
      });
      const calls = {}; let finish = null;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          if (c.finish_reason) finish = c.finish_reason;
          for (const d of c.delta?.tool_calls ?? []) {
            const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
            if (d.id) call.id = d.id;
            if (d.function?.name) call.name += d.function.name;
            if (d.function?.arguments) call.arguments += d.function.arguments;
          }
        }
      }
      return { finish_reason: finish, calls: Object.values(calls) };
    }
    case 'json': {
      const r = await client.chat.completions.create({ model, messages: user('Answer in JSON'), response_format: { type: 'json_object' } });
      return { content: r.choices[0].message.content };
    }
    case 'models': {
      const ids = [];
      for await (const m of client.models.list()) ids.push(m.id);
      return { ids };
    }
    case 'error':
    case 'error-retried': {
      try {
        const r = await client.chat.completions.create({ model, messages: user('fail please') });
        return { ok: true, content: r.choices[0].message.content };
      } catch (err) {
        return { ok: false, class: err.constructor.name, isApiError: err instanceof OpenAI.APIError, status: err.status, message: err.error?.message ?? err.message, code: err.code ?? null, type: err.type ?? null };
      }
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

async function safely(scenario, model, directive, apiKey) {
  try {
    return await run(scenario, model, directive, apiKey);
  } catch (err) {
    return { crashed: true, class: err?.constructor?.name, status: err?.status, message: String(err?.message ?? err) };
  }
}

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

if (process.argv[2] === 'batch') {
  const cases = JSON.parse(await readStdin());
  const results = await Promise.all(cases.map((c) => safely(c.scenario, c.model, c.directive ?? '', c.key ?? undefined)));
  console.log(JSON.stringify(Object.fromEntries(cases.map((c, i) => [c.name, results[i]]))));
} else {
  const [scenario, model, directive = ''] = process.argv.slice(2);
  const result = await safely(scenario, model, directive);
  console.log(JSON.stringify(result));
  if (result.crashed) process.exitCode = 1;
}
