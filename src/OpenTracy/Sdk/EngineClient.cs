using System.Net.Http.Headers;
using System.Text.Json;
using OpenTracy.Providers;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;

namespace OpenTracy.Sdk;

/// <summary>A response from the engine with the routing facts of its <c>X-OpenTracy-*</c> headers.</summary>
internal sealed record EngineAnswer(ModelResponse Response, IReadOnlyDictionary<string, string> Routing);

/// <summary>
/// Talks to the OpenTracy engine's OpenAI-compatible <c>/v1/chat/completions</c>. Failures become
/// <see cref="ProviderException"/>s for provider "engine" with the engine's status and Retry-After.
/// </summary>
internal sealed class EngineClient(HttpClient http)
{
    public HttpClient Http => http;

    public const string ProviderName = "engine";
    public const string HeaderPrefix = "X-OpenTracy-";
    private const string DoneMarker = "[DONE]";
    private const int MidStreamErrorStatus = 502;

    public async Task<EngineAnswer> CompleteAsync(EngineTarget target, ChatRequest body, TimeSpan timeout, CancellationToken ct)
    {
        using var upstream = await SendAsync(target, body, stream: false, timeout, ct).ConfigureAwait(false);
        ModelResponse? response;
        try
        {
            var stream = await upstream.Response.Content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
                response = await JsonSerializer.DeserializeAsync(stream, WireJson.Default.ModelResponse, upstream.Token).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw upstream.Invalid("body is not a chat.completion: " + ex.Message);
        }
        catch (Exception ex) when (ex is not ProviderException)
        {
            throw upstream.Translate(ex);
        }
        return new EngineAnswer(response ?? throw upstream.Invalid("empty body"), RoutingHeaders(upstream.Response));
    }

    /// <summary>Opens the stream (status checked, headers read) and yields its chunks until <c>[DONE]</c>.</summary>
    public async Task<(IReadOnlyDictionary<string, string> Routing, IAsyncEnumerable<StreamChunk> Chunks)> OpenStreamAsync(
        EngineTarget target, ChatRequest body, TimeSpan timeout, CancellationToken ct)
    {
        var upstream = await SendAsync(target, body, stream: true, timeout, ct).ConfigureAwait(false);
        return (RoutingHeaders(upstream.Response), ReadChunks(upstream));
    }

    private static async IAsyncEnumerable<StreamChunk> ReadChunks(UpstreamResponse upstream)
    {
        using (upstream)
        {
            Stream body;
            try
            {
                body = await upstream.Response.Content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw upstream.Translate(ex);
            }
            var events = SseReader.ReadAsync(body, upstream.Token).GetAsyncEnumerator(upstream.Token);
            await using (events.ConfigureAwait(false))
            {
                while (true)
                {
                    SseEvent ev;
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false)) yield break;
                        ev = events.Current;
                    }
                    catch (Exception ex)
                    {
                        throw upstream.Translate(ex);
                    }
                    if (ev.Data == DoneMarker) yield break;
                    yield return ParseChunk(ev.Data, upstream);
                }
            }
        }
    }

    private static StreamChunk ParseChunk(string data, UpstreamResponse upstream)
    {
        StreamChunk? chunk;
        try
        {
            chunk = JsonSerializer.Deserialize(data, WireJson.Default.StreamChunk);
        }
        catch (JsonException ex)
        {
            throw upstream.Invalid("stream event is not a chat.completion.chunk: " + ex.Message);
        }
        if (chunk is null) throw upstream.Invalid("null stream event");
        // The engine ends a failed stream with an OpenAI error object as its last event.
        if (chunk.Extra is { } extra && extra.TryGetValue("error", out var error))
            throw new ProviderException(ProviderName, ProviderFailureKind.HttpStatus, MidStreamErrorStatus, ErrorText(error));
        return chunk;
    }

    private async Task<UpstreamResponse> SendAsync(EngineTarget target, ChatRequest body, bool stream, TimeSpan timeout, CancellationToken ct)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, target.BaseUrl + "/chat/completions")
        {
            Content = new ByteArrayContent(WireJson.ToUtf8(body, WireJson.Default.ChatRequest))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Key.Reveal());
        if (stream) message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using (message)
        {
            try
            {
                return await ProviderHttp.SendAsync(http, message, ProviderName, timeout, ct).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Kind == ProviderFailureKind.HttpStatus)
            {
                // Keep the engine's status and Retry-After; show its error message rather than the raw JSON.
                throw new ProviderException(ProviderName, ex.Kind, ex.StatusCode, ErrorText(ex.ProviderMessage), ex.RetryAfter, ex);
            }
        }
    }

    /// <summary><c>X-OpenTracy-Selected-Model</c> → <c>selected_model</c> (prefix removed, lower-cased, '-' → '_').</summary>
    public static IReadOnlyDictionary<string, string> RoutingHeaders(HttpResponseMessage response)
    {
        var routing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in response.Headers)
        {
            if (!name.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            var key = name[HeaderPrefix.Length..].ToLowerInvariant().Replace('-', '_');
            routing[key] = string.Join(",", values);
        }
        return routing;
    }

    /// <summary>The message of <c>{"error":{"message":..}}</c> or <c>{"error":".."}</c>; the text itself otherwise.</summary>
    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) ? ErrorText(e) : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static string ErrorText(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.String => error.GetString() ?? string.Empty,
        JsonValueKind.Object when error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String => m.GetString() ?? string.Empty,
        _ => error.GetRawText(),
    };
}
