using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using OpenTracy.Engine.Requests;
using OpenTracy.Node.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Node.Tests;

/// <summary>A node with short edge limits, so hostile clients and upstreams are seen quickly.</summary>
public sealed class HardeningFixture : NodeFixture
{
    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(1);

    protected override string ExtraHocon => $$"""
        opentracy.http.max-request-body = 4MiB
        opentracy.upstream.timeout = {{UpstreamTimeout.TotalSeconds}}s
        opentracy.http.limits {
          request-headers-timeout = {{HeadersTimeout.TotalSeconds}}s
          min-request-body-rate = 240
          min-request-body-rate-grace = 1.5s
        }
        """;

    /// <summary>Request actors alive right now (children of the requests supervisor), counted by asking each to identify itself.</summary>
    public async Task<int> RequestActorsAsync()
    {
        var system = Node.Services.GetRequiredService<ActorSystem>();
        var probe = system.ActorSelection($"/user/{RequestsSupervisor.Name}/*");
        var replies = new List<ActorIdentity>();
        var inbox = Inbox.Create(system);
        probe.Tell(new Identify(null), inbox.Receiver);
        try
        {
            while (true) replies.Add((ActorIdentity)await inbox.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
        }
        catch (TimeoutException)
        {
            // no more answers
        }
        return replies.Count(r => r.Subject is not null);
    }

    public async Task<int> InFlightAsync()
    {
        var system = Node.Services.GetRequiredService<ActorSystem>();
        var supervisor = await system.ActorSelection("/user/" + RequestsSupervisor.Name).ResolveOne(TimeSpan.FromSeconds(10));
        return (await supervisor.Ask<InFlightCount>(GetInFlight.Instance, TimeSpan.FromSeconds(10))).Count;
    }
}

/// <summary>Hostile clients and hostile upstreams: each gets a clear status and message, never a 500, and leaves nothing behind.</summary>
public sealed class EdgeHardeningTests(HardeningFixture fx, ITestOutputHelper output) : IClassFixture<HardeningFixture>
{
    private const string Model = "openai/gpt-4o-mini";
    private const string Hi = "[{\"role\":\"user\",\"content\":\"hi\"}]";

    private async Task<(int Status, string Message)> PostRawAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await fx.Http.PostAsync(fx.Completions, content);
        var text = await response.Content.ReadAsStringAsync();
        var message = (string?)JsonNode.Parse(text)?["error"]?["message"] ?? text;
        output.WriteLine($"{(int)response.StatusCode} {message}");
        return ((int)response.StatusCode, message);
    }

    private Task<(int Status, string Message)> PostAsync(string json) => PostRawAsync(Encoding.UTF8.GetBytes(json));

    [Fact]
    public async Task Deeply_nested_json_is_400_not_a_stack_overflow()
    {
        var depth = 10_000;
        var nested = new string('[', depth) + new string(']', depth);
        var (status, message) = await PostAsync($"{{\"model\":\"{Model}\",\"messages\":{Hi},\"metadata\":{nested}}}");

        Assert.Equal(400, status);
        Assert.StartsWith("invalid request body: ", message);
        Assert.Contains("depth", message);
    }

    [Fact]
    public async Task Invalid_utf8_is_400()
    {
        var prefix = Encoding.UTF8.GetBytes($"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"");
        var suffix = Encoding.UTF8.GetBytes("\"}]}");
        byte[] body = [.. prefix, 0xC3, 0x28, 0xFF, 0xFE, .. suffix];

        var (status, message) = await PostRawAsync(body);

        Assert.Equal(400, status);
        Assert.Equal("invalid request body: the body is not valid UTF-8", message);
    }

    [Theory]
    [InlineData("{\"role\":42,\"content\":\"hi\"}", "messages[0].role is required and must be a string")]
    [InlineData("{\"role\":\"\",\"content\":\"hi\"}", "messages[0].role '' is not one of")]
    [InlineData("{\"role\":\"root\",\"content\":\"hi\"}", "messages[0].role 'root' is not one of")]
    [InlineData("{\"role\":\"USER\",\"content\":\"hi\"}", "messages[0].role 'USER' is not one of")]
    public async Task Unknown_roles_are_400_naming_the_field(string message, string expected)
    {
        var (status, text) = await PostAsync($"{{\"model\":\"{Model}\",\"messages\":[{message}]}}");

        Assert.Equal(400, status);
        Assert.StartsWith(expected, text);
    }

    [Theory]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":{\"role\":\"user\"}}", "invalid request body: 'messages' must be an array of messages")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":5}]}]}", "invalid request body: ")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":\"all\"}", "invalid request body: 'tools' has the wrong type")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":true}", "invalid request body: 'stream_options' has the wrong type")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":1e400}", "invalid request body: 'temperature' is out of range")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"model\":\"x\",\"messages\":[{\"role\":\"user\"}],}", "invalid request body: ")]
    [InlineData("\uFEFF{\"model\":\"openai/gpt-4o-mini\"", "invalid request body: ")]
    [InlineData("null", "invalid request body: expected a JSON object")]
    [InlineData("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing", "invalid request body: ")]
    public async Task More_malformed_bodies_are_400(string body, string expected)
    {
        var (status, text) = await PostAsync(body);

        Assert.Equal(400, status);
        Assert.StartsWith(expected, text);
    }

    [Fact]
    public async Task Ten_thousand_messages_are_served()
    {
        var messages = new JsonArray();
        for (var i = 0; i < 10_000; i++) messages.Add(new JsonObject { ["role"] = i % 2 == 0 ? "user" : "assistant", ["content"] = $"m{i}" });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = "last one" });
        var body = new JsonObject { ["model"] = Model, ["messages"] = messages }.ToJsonString();

        using var response = await fx.PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("echo: last one", (string?)answer["choices"]![0]!["message"]!["content"]);
        Assert.True((int)answer["usage"]!["prompt_tokens"]! >= 10_000);
    }

    [Fact]
    public async Task Slow_loris_headers_are_cut_off_at_the_header_timeout()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fx.BaseUrl.Host, fx.BaseUrl.Port);
        var stream = client.GetStream();
        var started = Stopwatch.GetTimestamp();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: "));

        var answer = await ReadUntilClosedAsync(stream);

        var elapsed = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"headers never finished: after {elapsed.TotalSeconds:F1}s the server answered '{FirstLine(answer)}' and closed");
        Assert.True(elapsed >= HardeningFixture.HeadersTimeout - TimeSpan.FromMilliseconds(100));
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task Slow_loris_body_is_cut_off_by_the_minimum_data_rate()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fx.BaseUrl.Host, fx.BaseUrl.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"model\":"));
        using var dribble = new CancellationTokenSource();
        var slow = Task.Run(async () =>
        {
            try
            {
                while (!dribble.IsCancellationRequested)
                {
                    await Task.Delay(500, dribble.Token);
                    await stream.WriteAsync("x"u8.ToArray(), dribble.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // the server closed the connection, as it should
            }
        });

        var answer = await ReadUntilClosedAsync(stream);
        await dribble.CancelAsync();
        await slow;

        output.WriteLine($"body dribbled at 2 B/s: server answered '{FirstLine(answer)}' {Body(answer)}");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task Many_aborted_streams_leave_no_actors_and_no_memory_behind()
    {
        const int streams = 40;
        var id = NodeFixture.NewId("abort-many");
        await WarmUpAsync();
        var baselineMemory = Memory();
        var baselineInFlight = await fx.InFlightAsync();
        var requestIds = new HashSet<string>();

        var tasks = Enumerable.Range(0, streams).Select(async _ =>
        {
            using var cts = new CancellationTokenSource();
            using var response = await fx.PostStreamingAsync(NodeFixture.Body(Model, $"go [mock id={id} chunks=200 chunk-delay-ms=50]", stream: true), cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            lock (requestIds) requestIds.Add(response.Headers.GetValues("X-Request-Id").Single());
            using var body = await response.Content.ReadAsStreamAsync(cts.Token);
            var buffer = new byte[64];
            Assert.True(await body.ReadAsync(buffer, cts.Token) > 0);
            await cts.CancelAsync(); // the client goes away mid-stream
        });
        await Task.WhenAll(tasks);

        var stats = await fx.StatsAsync(id, s => s.Cancelled >= streams);
        Assert.Equal(streams, stats.Cancelled);
        var inFlight = await PollAsync(fx.InFlightAsync, n => n <= baselineInFlight);
        Assert.Equal(baselineInFlight, inFlight);
        Assert.Equal(0, await PollAsync(fx.RequestActorsAsync, n => n == 0)); // no request actor (nor its call children) is left
        // The edge saw each client leave (499), not the upstream timeout (504) or an error.
        var traces = await PollAsync(async () => JsonNode.Parse(await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/v1/traces?limit=500")))!["data"]!.AsArray()
            .Where(t => requestIds.Contains((string)t!["request_id"]!)).ToList(), list => list.Count >= streams);
        Assert.Equal(streams, traces.Count);
        Assert.All(traces, t => Assert.Equal(499, (int)t!["status"]!));
        var after = Memory();
        output.WriteLine($"{streams} aborted streams: in flight {baselineInFlight} -> {inFlight}; managed memory {baselineMemory / 1024} KiB -> {after / 1024} KiB; upstream cancelled {stats.Cancelled}");
        Assert.True(after - baselineMemory < 32L * 1024 * 1024, $"memory grew by {(after - baselineMemory) / 1024} KiB");
    }

    public static TheoryData<string, bool, int, string> BadUpstreams => new()
    {
        // directive, stream, status, message fragment
        { "garbage=1", false, 502, "" },
        { "garbage=1", true, 502, "" },
        { "content-type=text/html", false, 502, "" },
        { "content-type=text/html", true, 502, "" },
    };

    [Theory]
    [MemberData(nameof(BadUpstreams))]
    public async Task Bad_upstream_answers_are_502_with_a_clear_message(string directive, bool stream, int status, string fragment)
    {
        var id = NodeFixture.NewId("bad-upstream");
        using var response = stream
            ? await fx.PostStreamingAsync(NodeFixture.Body(Model, $"hi [mock id={id} {directive}]", stream: true))
            : await fx.PostAsync(NodeFixture.Body(Model, $"hi [mock id={id} {directive}]"));
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"upstream {directive} (stream={stream}): {(int)response.StatusCode} {text}");

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("upstream_error", (string?)error["code"]);
        var message = (string)error["message"]!;
        Assert.Contains("openai", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(fragment, message);
    }

    [Fact]
    public async Task Truncated_stream_after_its_first_chunks_ends_with_an_error_event()
    {
        var id = NodeFixture.NewId("truncated");
        using var response = await fx.PostStreamingAsync(NodeFixture.Body(Model, $"a b c d e f [mock id={id} chunks=6 drop-after=2]", stream: true));
        var events = await Sse.AllDataAsync(response);
        output.WriteLine($"upstream drop-after=2 (stream): {(int)response.StatusCode}, events: {string.Join(" | ", events)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        var error = JsonNode.Parse(events[^2])!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hanging_upstream_is_504_at_the_configured_timeout_and_the_call_is_cancelled(bool stream)
    {
        var id = NodeFixture.NewId("hang");
        var started = Stopwatch.GetTimestamp();
        using var response = stream
            ? await fx.PostStreamingAsync(NodeFixture.Body(Model, $"hi [mock id={id} hang=1]", stream: true))
            : await fx.PostAsync(NodeFixture.Body(Model, $"hi [mock id={id} hang=1]"));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"upstream hang=1 (stream={stream}): {(int)response.StatusCode} after {elapsed.TotalSeconds:F1}s {text}");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(elapsed >= HardeningFixture.UpstreamTimeout);
        Assert.Equal("upstream_timeout", (string?)JsonNode.Parse(text)!["error"]!["code"]);
        var stats = await fx.StatsAsync(id, s => s.Cancelled >= 1);
        Assert.Equal(1, stats.Cancelled);
    }

    private async Task WarmUpAsync()
    {
        using var response = await fx.PostAsync(NodeFixture.Body(Model, "warm up"));
        response.EnsureSuccessStatusCode();
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = await read();
            if (until(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(50);
        }
    }

    private static async Task<string> ReadUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, guard.Token)) > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (IOException)
        {
            // connection reset by the server: closed
        }
        return text.ToString();
    }

    private static string FirstLine(string answer) => answer.Length == 0 ? "(nothing)" : answer.Split("\r\n")[0];

    private static string Body(string answer)
    {
        var at = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return at < 0 ? "" : answer[(at + 4)..];
    }
}
