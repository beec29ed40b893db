using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenTracy.Tests.Sdk;

/// <summary>
/// A tiny stand-in for the OpenTracy engine's HTTP edge on 127.0.0.1:0: answers /v1/chat/completions
/// with a scripted status, body and X-OpenTracy-* headers, and records what it received.
/// </summary>
internal sealed class FakeEngine : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<Reply> _replies = new();
    private readonly Lock _gate = new();
    private readonly List<(string Path, string Authorization, string Body)> _received = [];

    public sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string> Headers, string ContentType = "application/json");

    private FakeEngine(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<(string Path, string Authorization, string Body)> Received
    {
        get { lock (_gate) return [.. _received]; }
    }

    public static async Task<FakeEngine> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var engine = new FakeEngine(app);
        app.MapPost("/v1/chat/completions", engine.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        engine.Url = $"http://127.0.0.1:{new Uri(address).Port}";
        return engine;
    }

    /// <summary>Replies are used in order; the last one repeats.</summary>
    public void Enqueue(params Reply[] replies)
    {
        lock (_gate) foreach (var r in replies) _replies.Enqueue(r);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Reply reply;
        lock (_gate)
        {
            _received.Add((ctx.Request.Path.Value ?? "", ctx.Request.Headers.Authorization.ToString(), body));
            reply = _replies.Count > 1 ? _replies.Dequeue() : _replies.Peek();
        }
        ctx.Response.StatusCode = reply.Status;
        ctx.Response.ContentType = reply.ContentType;
        foreach (var (k, v) in reply.Headers) ctx.Response.Headers[k] = v;
        await ctx.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
