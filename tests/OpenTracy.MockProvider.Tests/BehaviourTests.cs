using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace OpenTracy.MockProvider.Tests;

public sealed class BehaviourTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private MockProviderServer Server => fx.Server;

    [Fact]
    public async Task Fail_times_fails_exactly_K_requests_then_succeeds()
    {
        var id = Wire.NewId("ft");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var res = await fx.Http.SendAsync(Wire.OpenAi($"hi [mock id={id} status=503 fail-times=3 retry-after=2]"));
            statuses.Add(res.StatusCode);
            if (res.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal("2", res.Headers.GetValues("Retry-After").Single());
            }
            else
            {
                Assert.False(res.Headers.Contains("Retry-After"));
            }
        }
        Assert.Equal(
            [HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK, HttpStatusCode.OK],
            statuses);
        var stats = Server.GetStats(id);
        Assert.Equal(5, stats.Requests);
        Assert.Equal(5, stats.Completed);
        Assert.Equal(0, stats.Cancelled);
    }

    [Fact]
    public async Task Fail_times_is_exact_under_concurrency_and_shared_across_formats()
    {
        var id = Wire.NewId("ftc");
        var tasks = Enumerable.Range(0, 24).Select(async i =>
        {
            using var req = (i % 2) == 0
                ? Wire.OpenAi($"hi [mock id={id} status=429 fail-times=7]")
                : Wire.Anthropic($"hi [mock id={id} status=429 fail-times=7]");
            using var res = await fx.Http.SendAsync(req);
            return res.StatusCode;
        });
        var results = await Task.WhenAll(tasks);
        Assert.Equal(7, results.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(17, results.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task Status_without_fail_times_always_fails()
    {
        var id = Wire.NewId("st");
        for (var i = 0; i < 3; i++)
        {
            using var res = await fx.Http.SendAsync(Wire.OpenAi($"hi [mock id={id} status=500]"));
            Assert.Equal(HttpStatusCode.InternalServerError, res.StatusCode);
        }
    }

    [Fact]
    public async Task Delay_ms_waits_at_least_that_long_before_answering()
    {
        var sw = Stopwatch.StartNew();
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hi [mock delay-ms=300]"), HttpCompletionOption.ResponseHeadersRead);
        var elapsed = sw.ElapsedMilliseconds;
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.True(elapsed >= 290, $"answered after {elapsed} ms");
    }

    [Fact]
    public async Task Chunk_delay_spaces_the_chunks()
    {
        var sw = Stopwatch.StartNew();
        using var res = await fx.Http.SendAsync(Wire.OpenAi("a b c d [mock chunks=4 chunk-delay-ms=100]", stream: true));
        var body = await res.Content.ReadAsStringAsync();
        var elapsed = sw.ElapsedMilliseconds;
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.True(elapsed >= 3 * 100 - 15, $"stream took {elapsed} ms");
    }

    [Fact]
    public async Task Cancelling_during_delay_counts_as_cancelled()
    {
        var id = Wire.NewId("cancel");
        using var cts = new CancellationTokenSource();
        var call = fx.Http.SendAsync(Wire.OpenAi($"hi [mock id={id} delay-ms=30000]"), cts.Token);
        var received = await Wire.WaitForStats(Server, id, s => s.Requests == 1);
        Assert.Equal(1, received.Requests);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var stats = await Wire.WaitForStats(Server, id, s => s.Cancelled == 1);
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }

    [Fact]
    public async Task Hang_never_answers_and_counts_as_cancelled_when_the_client_leaves()
    {
        var id = Wire.NewId("hang");
        using var cts = new CancellationTokenSource();
        var call = fx.Http.SendAsync(Wire.Anthropic($"hi [mock id={id} hang=1]"), cts.Token);
        await Wire.WaitForStats(Server, id, s => s.Requests == 1);
        await Task.Delay(100);
        Assert.False(call.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var stats = await Wire.WaitForStats(Server, id, s => s.Cancelled == 1);
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }

    [Fact]
    public async Task Cancelling_between_stream_chunks_counts_as_cancelled()
    {
        var id = Wire.NewId("cstream");
        using var cts = new CancellationTokenSource();
        using var res = await fx.Http.SendAsync(Wire.OpenAi($"a b c [mock id={id} chunks=3 chunk-delay-ms=10000]", stream: true),
            HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await res.Content.ReadAsStreamAsync();
        var buffer = new byte[1024];
        Assert.True(await stream.ReadAsync(buffer) > 0); // role chunk arrived
        cts.Cancel();
        res.Dispose();
        var stats = await Wire.WaitForStats(Server, id, s => s.Cancelled == 1);
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("bedrock")]
    public async Task Drop_after_truncates_the_stream_and_counts_as_neither(string format)
    {
        var id = Wire.NewId("drop");
        var text = $"a b c d e f [mock id={id} chunks=5 drop-after=2]";
        using var req = format switch
        {
            "openai" => Wire.OpenAi(text, stream: true),
            "anthropic" => Wire.Anthropic(text, stream: true),
            _ => BedrockTests.Request("/model/m/converse-stream", BedrockTests.ConverseBody(text), Server.BaseUrl.Authority),
        };
        using var res = await fx.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var (body, error) = await Wire.ReadUntilEndOrError(res);
        Assert.NotNull(error);
        Assert.IsAssignableFrom<IOException>(error);
        switch (format)
        {
            case "openai":
                Assert.DoesNotContain("[DONE]", body);
                Assert.DoesNotContain("finish_reason\":\"stop", body);
                Assert.Equal(3, Wire.ParseSse(body).Count); // role + 2 content chunks
                break;
            case "anthropic":
                Assert.DoesNotContain("message_stop", body);
                Assert.Equal(2, Wire.ParseSse(body).Count(e => e.Event == "content_block_delta"));
                break;
            default:
                Assert.DoesNotContain("messageStop", body);
                Assert.Equal(2, CountOccurrences(body, "contentBlockDelta"));
                break;
        }

        var stats = Server.GetStats(id);
        await Task.Delay(200); // negative check: nothing may be counted later either
        stats = Server.GetStats(id);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Completed);
        Assert.Equal(0, stats.Cancelled);
    }

    [Fact]
    public async Task Drop_after_on_json_writes_half_the_body_then_aborts()
    {
        var id = Wire.NewId("dropjson");
        using var res = await fx.Http.SendAsync(Wire.OpenAi($"hello there [mock id={id} drop-after=0]"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var declared = res.Content.Headers.ContentLength;
        Assert.NotNull(declared);
        var (body, error) = await Wire.ReadUntilEndOrError(res);
        Assert.NotNull(error);
        Assert.True(body.Length < declared, $"got {body.Length} of {declared} bytes");
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));

        using var buffered = Wire.OpenAi($"hello there [mock id={id} drop-after=0]");
        await Assert.ThrowsAsync<HttpRequestException>(() => fx.Http.SendAsync(buffered));
    }

    private static int CountOccurrences(string s, string what)
    {
        var n = 0;
        for (var i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    [Fact]
    public async Task Stats_endpoint_matches_in_process_stats()
    {
        var id = Wire.NewId("stats");
        using (await fx.Http.SendAsync(Wire.OpenAi($"hi [mock id={id}]"))) { }
        using (await fx.Http.SendAsync(Wire.OpenAi($"hi [mock id={id} status=500]"))) { }
        using (var unauthorized = Wire.Json("/v1/chat/completions", Wire.OpenAiBody($"hi [mock id={id}]")))
        using (var res = await fx.Http.SendAsync(unauthorized))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        }

        var json = Wire.ParseJson(await fx.Http.GetStringAsync($"/_mock/stats?id={id}"));
        Assert.Equal(id, (string)json["id"]!);
        Assert.Equal(3, (long)json["requests"]!);
        Assert.Equal(3, (long)json["completed"]!);
        Assert.Equal(0, (long)json["cancelled"]!);
        Assert.Equal(new MockStats(id, 3, 3, 0), Server.GetStats(id));
    }

    [Fact]
    public async Task Requests_without_id_count_under_default_and_unknown_ids_are_zero()
    {
        await using var server = await MockProviderServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using (await http.SendAsync(Wire.OpenAi("no directive here"))) { }
        Assert.Equal(new MockStats("default", 1, 1, 0), server.GetStats("default"));
        Assert.Equal(new MockStats("nobody", 0, 0, 0), server.GetStats("nobody"));
        var json = Wire.ParseJson(await http.GetStringAsync("/_mock/stats"));
        Assert.Equal("default", (string)json["id"]!);
        Assert.Equal(1, (long)json["requests"]!);
    }

    [Fact]
    public async Task Requests_are_recorded_with_method_path_query_headers_body()
    {
        var id = Wire.NewId("rec");
        var path = "/openai/deployments/dep/chat/completions?api-version=2024-10-21";
        using (await fx.Http.SendAsync(Wire.Json(path, Wire.OpenAiBody($"record me [mock id={id}]"), ("api-key", "secret-key"), ("X-Custom", "v1")))) { }

        var recorded = Server.GetRequests(id).Single();
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/openai/deployments/dep/chat/completions", recorded.Path);
        Assert.Equal("api-version=2024-10-21", recorded.Query);
        Assert.Equal("secret-key", recorded.Headers["api-key"]);
        Assert.Equal("v1", recorded.Headers["x-custom"]);
        Assert.Contains("record me", recorded.Body);

        var array = Wire.ParseJson(await fx.Http.GetStringAsync($"/_mock/requests?id={id}")).AsArray();
        var item = Assert.Single(array)!;
        Assert.Equal("POST", (string)item["method"]!);
        Assert.Equal("/openai/deployments/dep/chat/completions", (string)item["path"]!);
        Assert.Equal("api-version=2024-10-21", (string)item["query"]!);
        Assert.Equal("secret-key", (string)item["headers"]!["api-key"]!);
        Assert.Equal(recorded.Body, (string)item["body"]!);
    }

    [Fact]
    public async Task Only_the_last_200_requests_per_id_are_kept()
    {
        var id = Wire.NewId("cap");
        for (var i = 0; i < 205; i++)
        {
            using var res = await fx.Http.SendAsync(Wire.OpenAi($"n{i} [mock id={id}]"));
        }
        var recorded = Server.GetRequests(id);
        Assert.Equal(200, recorded.Count);
        Assert.Contains("n5 ", recorded[0].Body);
        Assert.Contains("n204 ", recorded[^1].Body);
        Assert.Equal(205, Server.GetStats(id).Requests);
    }

    [Fact]
    public async Task Reset_clears_counters_recordings_and_fail_budgets()
    {
        await using var server = await MockProviderServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using (var r = await http.SendAsync(Wire.OpenAi("hi [mock id=r status=503 fail-times=1]")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        using (var r = await http.SendAsync(Wire.OpenAi("hi [mock id=r status=503 fail-times=1]")))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.Equal(2, server.GetStats("r").Requests);

        using (var reset = await http.PostAsync("/_mock/reset", null))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }
        Assert.Equal(new MockStats("r", 0, 0, 0), server.GetStats("r"));
        Assert.Empty(server.GetRequests("r"));
        using (var r = await http.SendAsync(Wire.OpenAi("hi [mock id=r status=503 fail-times=1]")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode); // budget restored
        }

        server.Reset();
        Assert.Equal(0, server.GetStats("r").Requests);
    }

    [Fact]
    public async Task Unknown_paths_are_404_and_recorded_under_default()
    {
        await using var server = await MockProviderServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var res = await http.PostAsync("/v1/embeddings", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
        Assert.Equal("/v1/embeddings", server.GetRequests("default").Single().Path);
        using var get = await http.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Base_url_is_loopback_with_the_bound_port()
    {
        Assert.Equal("127.0.0.1", Server.BaseUrl.Host);
        Assert.True(Server.BaseUrl.Port > 0);
        Assert.Equal("/", Server.BaseUrl.AbsolutePath);
        using var res = await fx.Http.GetAsync("/_mock/stats?id=x");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
    }

    [Fact]
    public async Task Fixed_port_option_is_honoured()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        await using var server = await MockProviderServer.StartAsync(new MockProviderOptions { Port = port });
        Assert.Equal(port, server.BaseUrl.Port);
    }
}
