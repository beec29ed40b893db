using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;

namespace OpenTracy.Providers.OpenAI;

/// <summary>
/// OpenAI chat completions (<see cref="WireFormat.OpenAI"/>): OpenAI itself and every provider that
/// speaks its wire format (Groq, Mistral, DeepSeek, Perplexity, Cerebras, SambaNova, Together,
/// Fireworks, Gemini's and Cohere's compatibility layers). <c>POST {base}/chat/completions</c> with
/// <c>Authorization: Bearer</c> (omitted without a key). The request body is the caller's request
/// with the bare model name and without gateway-only fields; unknown fields travel unchanged.
/// Streams force <c>stream_options.include_usage</c> so the gateway can always count tokens.
/// Stateless and thread-safe; <see cref="AzureOpenAIClient"/> changes only the URL and the auth header.
/// </summary>
public class OpenAICompatibleClient : IProviderClient
{
    public const string ChatCompletionsPath = "/chat/completions";
    public const string JsonMediaType = "application/json";
    public const string EventStreamMediaType = "text/event-stream";

    public OpenAICompatibleClient(HttpClient http, ProviderEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        Http = http;
        Environment = environment ?? ProviderEnvironment.Process;
    }

    protected HttpClient Http { get; }
    protected ProviderEnvironment Environment { get; }

    public async Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var credentials = request.Endpoint.Credentials;
        try
        {
            using var message = CreateHttpRequest(request, stream: false);
            using var upstream = await ProviderHttp.SendAsync(Http, message, request.ProviderName, request.Timeout, cancellationToken).ConfigureAwait(false);
            return await ReadResponseAsync(upstream).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (CredentialRedaction.Exposes(ex, credentials))
        {
            throw CredentialRedaction.Scrub(ex, credentials);
        }
    }

    public async IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var credentials = request.Endpoint.Credentials;
        OpenAIChunkReader reader;
        try
        {
            using var message = CreateHttpRequest(request, stream: true);
            var upstream = await ProviderHttp.SendAsync(Http, message, request.ProviderName, request.Timeout, cancellationToken).ConfigureAwait(false);
            reader = await OpenAIChunkReader.OpenAsync(upstream).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (CredentialRedaction.Exposes(ex, credentials))
        {
            throw CredentialRedaction.Scrub(ex, credentials);
        }

        await using (reader.ConfigureAwait(false))
        {
            while (true)
            {
                StreamChunk? chunk;
                try
                {
                    chunk = await reader.NextAsync().ConfigureAwait(false);
                }
                catch (ProviderException ex) when (CredentialRedaction.Exposes(ex, credentials))
                {
                    throw CredentialRedaction.Scrub(ex, credentials);
                }
                if (chunk is null) yield break;
                yield return chunk;
            }
        }
    }

    /// <summary>The upstream HTTP request: URL, auth header, JSON body. Public so tests and tools can inspect exactly what would be sent.</summary>
    public HttpRequestMessage CreateHttpRequest(ProviderRequest request, bool stream)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new HttpRequestMessage(HttpMethod.Post, RequestUri(request));
        message.Headers.TryAddWithoutValidation("Accept", stream ? EventStreamMediaType : JsonMediaType);
        if (request.Endpoint.Credentials.ApiKey is { } key) Authenticate(message, key);
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(UpstreamBody(request, stream), WireJson.Default.ChatRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        message.Content = content;
        return message;
    }

    /// <summary>
    /// The body as upstream sees it: bare model, no gateway-only fields, <c>stream</c> set; a stream
    /// forces <c>stream_options.include_usage = true</c> (other stream options kept); a non-streamed
    /// call drops <c>stream_options</c>, which OpenAI rejects without <c>stream: true</c>.
    /// </summary>
    public ChatRequest UpstreamBody(ProviderRequest request, bool stream)
    {
        var body = request.Body.ForUpstream(UpstreamModel(request), stream);
        return stream
            ? body with { StreamOptions = (body.StreamOptions ?? new StreamOptions()) with { IncludeUsage = true } }
            : body with { StreamOptions = null };
    }

    /// <summary>The model name written into the body (the deployment name for Azure).</summary>
    protected virtual string UpstreamModel(ProviderRequest request) => request.Model;

    /// <summary><c>{base}/chat/completions</c>.</summary>
    protected virtual Uri RequestUri(ProviderRequest request)
    {
        var baseUrl = RequireBaseUrl(request, $"no base URL configured (set {request.Endpoint.Provider.BaseUrlEnvVar})");
        return ParseUri(request, baseUrl + ChatCompletionsPath);
    }

    /// <summary>Puts the key on the request: <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    protected virtual void Authenticate(HttpRequestMessage message, Secret key)
        => message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key.Reveal());

    protected static string RequireBaseUrl(ProviderRequest request, string whenMissing)
    {
        var baseUrl = request.Endpoint.BaseUrl.TrimEnd('/');
        if (baseUrl.Length == 0) throw Configuration(request, whenMissing);
        return baseUrl;
    }

    protected static Uri ParseUri(ProviderRequest request, string url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw Configuration(request, $"invalid upstream URL '{url}'");

    protected static ProviderException Configuration(ProviderRequest request, string message)
        => new(request.ProviderName, ProviderFailureKind.Configuration, null, message);

    private static async Task<ModelResponse> ReadResponseAsync(UpstreamResponse upstream)
    {
        try
        {
            var content = upstream.Response.Content;
            var contentType = content.Headers.ContentType;
            var body = await content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
            if (contentType is not null && !ProviderHttp.IsJson(contentType))
            {
                var preview = await BodyPreview.ReadAsync(body, upstream.Token).ConfigureAwait(false);
                throw upstream.Invalid($"expected {JsonMediaType} but got content type '{contentType.MediaType}': {preview}");
            }

            var capture = new PreviewCaptureStream(body);
            await using (capture.ConfigureAwait(false))
            {
                ModelResponse? response;
                try
                {
                    response = await JsonSerializer.DeserializeAsync(capture, WireJson.Default.ModelResponse, upstream.Token).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    throw upstream.Invalid($"body is not a valid chat.completion ({ex.Message}): {capture.Preview}");
                }
                if (response is null) throw upstream.Invalid("body is JSON null");
                if (response.Choices.Count == 0) throw upstream.Invalid($"chat.completion has no choices: {capture.Preview}");
                return response;
            }
        }
        catch (Exception ex) when (ex is not ProviderException)
        {
            throw upstream.Translate(ex);
        }
    }
}
