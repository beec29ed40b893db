using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OpenTracy.MockProvider;

/// <summary>
/// Loopback fake of the LLM providers' real wire formats (OpenAI-compatible, Azure OpenAI, Anthropic, Bedrock Converse),
/// steered per request by <c>[mock key=value ...]</c> directives in the last user message.
/// </summary>
public sealed class MockProviderServer : IAsyncDisposable
{
    private const int MaxBodyBytes = 32 * 1024 * 1024;

    private readonly MockState _state = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly OpenAiWire _openAi = new(azure: false);
    private readonly OpenAiWire _azure = new(azure: true);
    private readonly AnthropicWire _anthropic = new();
    private readonly BedrockWire _bedrock;
    private IHost? _host;
    private int _disposed;

    private MockProviderServer(MockProviderOptions options)
    {
        _bedrock = new BedrockWire(string.IsNullOrEmpty(options.AwsSecretAccessKey) ? null : options.AwsSecretAccessKey);
    }

    /// <summary>Base address, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts the server on 127.0.0.1 (port 0 = any free port).</summary>
    public static Task<MockProviderServer> StartAsync(MockProviderOptions? options = null, CancellationToken ct = default) =>
        StartCoreAsync(options ?? new MockProviderOptions(), configureLogging: null, ct);

    internal static async Task<MockProviderServer> StartCoreAsync(MockProviderOptions options, Action<ILoggingBuilder>? configureLogging, CancellationToken ct)
    {
        var server = new MockProviderServer(options);
        var host = new HostBuilder()
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.SetMinimumLevel(LogLevel.Warning);
                configureLogging?.Invoke(logging);
            })
            .ConfigureServices(services =>
            {
                services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
                // In-process use must not hook the host process's Ctrl+C / SIGTERM; Program handles signals itself.
                services.AddSingleton<IHostLifetime, PassiveLifetime>();
            })
            .ConfigureWebHost(web => web
                .UseKestrel(kestrel =>
                {
                    kestrel.AddServerHeader = false;
                    kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
                    kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
                })
                .Configure(app => app.Run(server.HandleAsync)))
            .Build();
        server._host = host;
        try
        {
            await host.StartAsync(ct);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        server.BaseUrl = new Uri($"http://127.0.0.1:{new Uri(address).Port}");
        return server;
    }

    /// <summary>Counters of one scenario id (same numbers as <c>GET /_mock/stats?id=ID</c>).</summary>
    public MockStats GetStats(string id) => _state.Stats(id);

    /// <summary>The last 200 requests of one scenario id (same as <c>GET /_mock/requests?id=ID</c>).</summary>
    public IReadOnlyList<RecordedRequest> GetRequests(string id) => _state.Requests(id);

    /// <summary>Clears every counter, fail-times budget and recording (same as <c>POST /_mock/reset</c>).</summary>
    public void Reset() => _state.Reset();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        if (_host is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
            _host.Dispose();
        }
        _stopping.Dispose();
    }

    // ------------------------------------------------------------------ routing

    private Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/_mock/", StringComparison.Ordinal))
        {
            return HandleAdminAsync(ctx, path);
        }
        if (HttpMethods.IsPost(ctx.Request.Method))
        {
            var (rawPath, rawQuery) = RawTarget(ctx);
            if (path.EndsWith("/v1/messages", StringComparison.Ordinal))
            {
                return HandleProviderAsync(ctx, _anthropic, new Route(rawPath, rawQuery, null, false));
            }
            if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                const string azurePrefix = "/openai/deployments/";
                if (path.StartsWith(azurePrefix, StringComparison.Ordinal))
                {
                    var deployment = path[azurePrefix.Length..^"/chat/completions".Length];
                    if (deployment.Length > 0 && !deployment.Contains('/'))
                    {
                        return HandleProviderAsync(ctx, _azure, new Route(rawPath, rawQuery, Unescape(deployment), false));
                    }
                }
                return HandleProviderAsync(ctx, _openAi, new Route(rawPath, rawQuery, null, false));
            }
            if (TryBedrockRoute(rawPath, out var modelId, out var stream))
            {
                return HandleProviderAsync(ctx, _bedrock, new Route(rawPath, rawQuery, modelId, stream));
            }
        }
        return HandleUnknownAsync(ctx);
    }

    private static (string Path, string Query) RawTarget(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            var q = ctx.Request.QueryString.Value ?? "";
            return ((ctx.Request.PathBase + ctx.Request.Path).ToUriComponent(), q.StartsWith('?') ? q[1..] : q);
        }
        var qi = raw.IndexOf('?');
        return qi < 0 ? (raw, "") : (raw[..qi], raw[(qi + 1)..]);
    }

    private static bool TryBedrockRoute(string rawPath, out string modelId, out bool stream)
    {
        modelId = "";
        stream = false;
        const string prefix = "/model/";
        if (!rawPath.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = rawPath.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }
        var action = rest[(slash + 1)..];
        if (action.SequenceEqual("converse"))
        {
            stream = false;
        }
        else if (action.SequenceEqual("converse-stream"))
        {
            stream = true;
        }
        else
        {
            return false;
        }
        modelId = Unescape(rest[..slash].ToString());
        return true;
    }

    private static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    // ------------------------------------------------------------------ provider requests

    private async Task HandleProviderAsync(HttpContext ctx, WireFormat wire, Route route)
    {
        var body = await TryReadBodyAsync(ctx);
        if (body is null)
        {
            return;
        }

        var request = wire.Parse(body);
        var directive = Directive.Parse(request.LastUserText);
        var ids = _state.Get(directive.Id ?? MockState.DefaultId);
        ids.OnRequest(Record(ctx, route, body));

        CancellationTokenSource? linked = null;
        try
        {
            var dropped = await ProcessAsync(ctx, wire, route, request, directive, ids, body, () =>
            {
                linked ??= CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
                return linked.Token;
            });
            if (!dropped)
            {
                ids.OnCompleted();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || ctx.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            if (!ctx.RequestAborted.IsCancellationRequested && _stopping.IsCancellationRequested)
            {
                ctx.Abort(); // server shutting down: cut hanging requests
            }
            else
            {
                ids.OnCancelled();
            }
        }
        catch (Exception ex)
        {
            // A bug in the mock: make it visible instead of hiding it behind a generic 500.
            if (!ctx.Response.HasStarted)
            {
                ctx.Response.Clear();
                ctx.Response.StatusCode = 500;
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("mock provider internal error: " + ex);
                ids.OnCompleted();
            }
            else
            {
                ctx.Abort();
            }
        }
        finally
        {
            linked?.Dispose();
        }
    }

    private static async Task<bool> ProcessAsync(HttpContext ctx, WireFormat wire, Route route, ChatRequest request, Directive d, IdState ids, byte[] body, Func<CancellationToken> timerToken)
    {
        var invalid = wire.Validate(ctx, route, request, body);
        if (invalid is not null)
        {
            await wire.WriteErrorAsync(ctx, invalid, d);
            return false;
        }

        var ct = d.NeedsTimers ? timerToken() : ctx.RequestAborted;
        if (d.DelayMs > 0)
        {
            await Task.Delay(d.DelayMs, ct);
        }
        if (d.Hang)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }

        // A mid-stream error (error-after) uses status as its kind instead of failing up front.
        if (d.FailsWithStatus && d.ErrorAfter < 0 && (d.FailTimes < 0 || ids.ConsumeFailure(d.FailTimes)))
        {
            await wire.WriteErrorAsync(ctx, wire.StatusError(d.Status) with { RetryAfter = d.RetryAfter }, d);
            return false;
        }
        if (d.Garbage)
        {
            await wire.WriteGarbageAsync(ctx, route, request, d);
            return false;
        }

        var stream = wire.IsStream(route, request);
        var answer = Answer.Build(request, d, wire.AnswerModel(route, request), stream, wire.ToolIdPrefix);
        return await wire.WriteAnswerAsync(ctx, route, request, answer, d, ct);
    }

    /// <summary>Reads the whole body; null (after answering if still possible) when it cannot be read.</summary>
    private static async Task<byte[]?> TryReadBodyAsync(HttpContext ctx)
    {
        try
        {
            return await ReadBodyAsync(ctx.Request, ctx.RequestAborted);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (!ctx.RequestAborted.IsCancellationRequested && !ctx.Response.HasStarted)
        {
            ctx.Response.StatusCode = ex.StatusCode; // e.g. 413 for an oversized body
            return null;
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested || ctx.Response.HasStarted)
        {
            return null; // client went away while sending the request
        }
        catch (Exception) when (!ctx.Response.HasStarted)
        {
            ctx.Response.StatusCode = 400;
            return null;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var length = request.ContentLength;
        if (length is >= 0 and <= MaxBodyBytes)
        {
            var buffer = new byte[length.Value];
            await request.Body.ReadExactlyAsync(buffer, ct);
            return buffer;
        }
        using var ms = new MemoryStream();
        await request.Body.CopyToAsync(ms, ct);
        return ms.ToArray();
    }

    private static RecordedRequest Record(HttpContext ctx, Route route, byte[] body)
    {
        var source = ctx.Request.Headers;
        var headers = new Dictionary<string, string>(source.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var h in source)
        {
            headers[h.Key] = h.Value.ToString();
        }
        return new RecordedRequest(ctx.Request.Method, route.RawPath, route.RawQuery, headers, Encoding.UTF8.GetString(body));
    }

    private async Task HandleUnknownAsync(HttpContext ctx)
    {
        var (rawPath, rawQuery) = RawTarget(ctx);
        var body = await TryReadBodyAsync(ctx);
        if (body is null)
        {
            return;
        }
        var ids = _state.Get(MockState.DefaultId);
        ids.OnRequest(Record(ctx, new Route(rawPath, rawQuery, null, false), body));
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?>
            {
                ["message"] = $"mock provider: no route for {ctx.Request.Method} {rawPath}",
                ["type"] = "invalid_request_error",
                ["param"] = null,
                ["code"] = "unknown_url",
            },
        }, MockJson.Options);
        ctx.Response.StatusCode = 404;
        ctx.Response.ContentType = "application/json";
        try
        {
            await ctx.Response.WriteAsync(json, ctx.RequestAborted);
            ids.OnCompleted();
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            ids.OnCancelled();
        }
    }

    // ------------------------------------------------------------------ admin

    private async Task HandleAdminAsync(HttpContext ctx, string path)
    {
        var method = ctx.Request.Method;
        var id = ctx.Request.Query["id"].ToString();
        if (id.Length == 0)
        {
            id = MockState.DefaultId;
        }
        string json;
        var status = 200;
        if (path == "/_mock/stats" && HttpMethods.IsGet(method))
        {
            json = MockJson.Stats(_state.Stats(id));
        }
        else if (path == "/_mock/requests" && HttpMethods.IsGet(method))
        {
            json = MockJson.Requests(_state.Requests(id));
        }
        else if (path == "/_mock/reset" && HttpMethods.IsPost(method))
        {
            _state.Reset();
            json = """{"reset":true}""";
        }
        else
        {
            status = 404;
            json = """{"error":"unknown mock admin endpoint (GET /_mock/stats?id=, GET /_mock/requests?id=, POST /_mock/reset)"}""";
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json, ctx.RequestAborted);
    }
}

/// <summary>A host lifetime that neither waits for nor reacts to console signals.</summary>
internal sealed class PassiveLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class MockJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Stats(MockStats s)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteNumber("requests", s.Requests);
            w.WriteNumber("completed", s.Completed);
            w.WriteNumber("cancelled", s.Cancelled);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    public static string Requests(IReadOnlyList<RecordedRequest> requests)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = Options.Encoder }))
        {
            w.WriteStartArray();
            foreach (var r in requests)
            {
                w.WriteStartObject();
                w.WriteString("method", r.Method);
                w.WriteString("path", r.Path);
                w.WriteString("query", r.Query);
                w.WriteStartObject("headers");
                foreach (var h in r.Headers)
                {
                    w.WriteString(h.Key, h.Value);
                }
                w.WriteEndObject();
                w.WriteString("body", r.Body);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }
}
