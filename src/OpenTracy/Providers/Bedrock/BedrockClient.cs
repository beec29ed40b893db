using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Bedrock;

/// <summary>
/// Amazon Bedrock through the Converse API: <c>POST {base}/model/{modelId}/converse</c> (JSON) and
/// <c>/converse-stream</c> (AWS event-stream), signed with SigV4 (service <c>bedrock</c>, region from the credentials).
/// Stateless and thread-safe.
/// </summary>
public sealed class BedrockClient : IProviderClient
{
    public const string SigningService = "bedrock";
    public const string ConverseAction = "converse";
    public const string ConverseStreamAction = "converse-stream";
    public const string JsonMediaType = "application/json";
    public const string EventStreamMediaType = "application/vnd.amazon.eventstream";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly SigV4Signer _signer;

    public BedrockClient(HttpClient http, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _time = time ?? TimeProvider.System;
        _signer = new SigV4Signer(SigningService, _time);
    }

    public async Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = BuildRequest(request, stream: false);
        using var upstream = await ProviderHttp.SendAsync(_http, message, request.ProviderName, request.Timeout, cancellationToken,
            BedrockErrors.DescribeHttpError).ConfigureAwait(false);
        byte[] body;
        try
        {
            body = await upstream.Response.Content.ReadAsByteArrayAsync(upstream.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw upstream.Translate(ex);
        }
        return ConverseResponseReader.Read(body, request.Model, _time.GetUtcNow().ToUnixTimeSeconds(), request.ProviderName);
    }

    public async IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = BuildRequest(request, stream: true);
        using var upstream = await ProviderHttp.SendAsync(_http, message, request.ProviderName, request.Timeout, cancellationToken,
            BedrockErrors.DescribeHttpError).ConfigureAwait(false);
        var mapper = new ConverseStreamMapper(request.Model, ConverseResponseReader.NewId(), _time.GetUtcNow().ToUnixTimeSeconds(), request.ProviderName);

        Stream body;
        try
        {
            body = await upstream.Response.Content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw upstream.Translate(ex);
        }

        await using var frames = EventStreamDecoder.ReadAsync(body, request.ProviderName, upstream.Token).GetAsyncEnumerator(upstream.Token);
        while (true)
        {
            EventStreamMessage frame;
            try
            {
                if (!await frames.MoveNextAsync().ConfigureAwait(false)) break;
                frame = frames.Current;
            }
            catch (Exception ex)
            {
                throw upstream.Translate(ex);
            }
            if (mapper.Map(frame) is { } chunk) yield return chunk;
        }
        if (mapper.Complete() is { } last) yield return last;
    }

    /// <summary>The signed upstream request. Throws <see cref="ProviderFailureKind.Configuration"/> before any call when it cannot be built.</summary>
    internal HttpRequestMessage BuildRequest(ProviderRequest request, bool stream)
    {
        var provider = request.ProviderName;
        var credentials = request.Endpoint.Credentials.Aws
            ?? throw new ProviderException(provider, ProviderFailureKind.Configuration, null,
                $"No AWS credentials for {provider}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or pass the key as ACCESS:SECRET[:REGION])");
        if (string.IsNullOrEmpty(request.Endpoint.BaseUrl))
            throw new ProviderException(provider, ProviderFailureKind.Configuration, null, $"no base URL for {provider} (set BEDROCK_BASE_URL or AWS_REGION)");
        if (string.IsNullOrEmpty(request.Model))
            throw new ProviderException(provider, ProviderFailureKind.Configuration, null, "a Bedrock model id is required");

        var uri = RequestUri(request.Endpoint.BaseUrl, request.Model, stream, provider);
        var body = ConverseRequestWriter.Write(request.Body, provider);
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? EventStreamMediaType : JsonMediaType));
        _signer.Apply(message, body, credentials);
        return message;
    }

    /// <summary><c>{base}/model/{escaped model id}/converse[-stream]</c>.</summary>
    public static Uri RequestUri(string baseUrl, string modelId, bool stream, string provider = "bedrock")
    {
        var text = $"{baseUrl.TrimEnd('/')}/model/{Uri.EscapeDataString(modelId)}/{(stream ? ConverseStreamAction : ConverseAction)}";
        return Uri.TryCreate(text, UriKind.Absolute, out var uri)
            ? uri
            : throw new ProviderException(provider, ProviderFailureKind.Configuration, null, $"invalid {provider} base URL '{baseUrl}'");
    }
}
