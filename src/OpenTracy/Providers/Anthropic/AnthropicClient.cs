using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Anthropic;

/// <summary>
/// The Anthropic Messages API behind the OpenAI-shaped <see cref="IProviderClient"/>:
/// <c>POST {base}/v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>, requests and
/// responses translated both ways, Anthropic's SSE events turned into <c>chat.completion.chunk</c>s.
/// Stateless and thread-safe.
/// </summary>
public sealed class AnthropicClient(HttpClient http) : IProviderClient
{
    /// <summary>Path of the Messages API below the base URL.</summary>
    public const string MessagesPath = "/v1/messages";

    /// <summary>The API version every request pins.</summary>
    public const string ApiVersion = "2023-06-01";

    public const string ApiKeyHeader = "x-api-key";
    public const string VersionHeader = "anthropic-version";

    /// <summary><c>max_tokens</c> sent when the caller gave neither max_tokens nor max_completion_tokens.</summary>
    public const int DefaultMaxTokens = AnthropicRequestTranslator.DefaultMaxTokens;

    private const string JsonMediaType = "application/json";
    private const string EventStreamMediaType = "text/event-stream";

    public async Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        using var message = BuildMessage(request, stream: false);
        using var upstream = await ProviderHttp.SendAsync(http, message, request.ProviderName, request.Timeout, cancellationToken).ConfigureAwait(false);
        byte[] body;
        try
        {
            body = await upstream.Response.Content.ReadAsByteArrayAsync(upstream.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw upstream.Translate(ex);
        }
        return AnthropicResponseTranslator.Translate(body, request.Model, DateTimeOffset.UtcNow, request.ProviderName);
    }

    public async IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var message = BuildMessage(request, stream: true);
        using var upstream = await ProviderHttp.SendAsync(http, message, request.ProviderName, request.Timeout, cancellationToken).ConfigureAwait(false);
        var translator = new AnthropicStreamTranslator(request.Model, created, request.ProviderName);

        Stream body;
        try
        {
            body = await upstream.Response.Content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw upstream.Translate(ex);
        }

        await using var events = SseReader.ReadAsync(body, upstream.Token).GetAsyncEnumerator(upstream.Token);
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw upstream.Translate(ex);
            }
            if (!more) break;

            var chunk = translator.Translate(events.Current);
            if (chunk is not null) yield return chunk;
            if (translator.Completed) yield break;
        }

        throw new ProviderException(request.ProviderName, ProviderFailureKind.Transport, null,
            "the event stream ended before message_stop");
    }

    /// <summary>The translated request body (exposed for tests and diagnostics).</summary>
    internal static JsonObject BuildBody(ProviderRequest request, bool stream)
        => AnthropicRequestTranslator.Translate(request.Body, request.Model, stream, request.ProviderName);

    private static HttpRequestMessage BuildMessage(ProviderRequest request, bool stream)
    {
        var baseUrl = request.Endpoint.BaseUrl.TrimEnd('/');
        if (baseUrl.Length == 0)
            throw new ProviderException(request.ProviderName, ProviderFailureKind.Configuration, null, "no base URL configured");

        var body = BuildBody(request, stream);
        var content = new ByteArrayContent(Serialize(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);

        var message = new HttpRequestMessage(HttpMethod.Post, baseUrl + MessagesPath) { Content = content };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? EventStreamMediaType : JsonMediaType));
        message.Headers.TryAddWithoutValidation(VersionHeader, ApiVersion);
        // A missing key is not an error here: the upstream answers 401, which is the honest failure.
        if (request.Endpoint.Credentials.ApiKey is { } key)
            message.Headers.TryAddWithoutValidation(ApiKeyHeader, key.Reveal());
        return message;
    }

    private static byte[] Serialize(JsonNode body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            body.WriteTo(writer);
        return buffer.ToArray();
    }
}
