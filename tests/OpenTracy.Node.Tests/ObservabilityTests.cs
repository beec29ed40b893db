using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using OpenTracy.Engine.Observability;
using OpenTracy.Node.Observability;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>/metrics, /v1/traces and the request/attempt spans, on one node.</summary>
public sealed class ObservabilityTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    private const string Model = "openai/gpt-4o-mini";

    private async Task<string> MetricsAsync() => await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/metrics"));

    private static double Sample(string metrics, string name, string labels)
    {
        var prefix = $"{name}{{{labels}}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<JsonArray> TracesAsync(int limit)
        => JsonNode.Parse(await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, $"/v1/traces?limit={limit}")))!["data"]!.AsArray();

    private async Task<JsonNode> TraceAsync(string requestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = (await TracesAsync(1000)).FirstOrDefault(t => (string?)t!["request_id"] == requestId);
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no trace record for {requestId}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Metrics_count_requests_tokens_cost_latency_ttft_retries_fallbacks_and_errors_by_provider_and_model()
    {
        const string labels = "provider=\"openai\",model=\"openai/gpt-4o-mini\"";
        var before = await MetricsAsync();

        (await fx.PostAsync(NodeFixture.Body(Model, "count me [mock id=m-ok]"))).EnsureSuccessStatusCode();
        using (var s = await fx.PostStreamingAsync(NodeFixture.Body(Model, "a b [mock id=m-stream chunks=2]", stream: true)))
            await s.Content.ReadAsStringAsync();
        var retryId = NodeFixture.NewId("m-retry");
        (await fx.PostAsync(NodeFixture.Body(Model, $"again [mock id={retryId} status=503 fail-times=1]", extra: "\"num_retries\":1"))).EnsureSuccessStatusCode();
        var fallbackId = NodeFixture.NewId("m-fallback");
        (await fx.PostAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-20241022", $"fall [mock id={fallbackId} status=400 fail-times=1]",
            extra: $"\"fallbacks\":[\"{Model}\"]"))).EnsureSuccessStatusCode();
        using (var failed = await fx.PostAsync(NodeFixture.Body(Model, "[mock id=m-429 status=429]")))
            Assert.Equal(HttpStatusCode.TooManyRequests, failed.StatusCode);

        var after = await MetricsAsync();
        Assert.True(Sample(after, "opentracy_requests_total", labels) - Sample(before, "opentracy_requests_total", labels) >= 5);
        Assert.True(Sample(after, "opentracy_tokens_total", labels + ",kind=\"prompt\"") > Sample(before, "opentracy_tokens_total", labels + ",kind=\"prompt\""));
        Assert.True(Sample(after, "opentracy_tokens_total", labels + ",kind=\"completion\"") > Sample(before, "opentracy_tokens_total", labels + ",kind=\"completion\""));
        Assert.True(Sample(after, "opentracy_cost_usd_total", labels) > Sample(before, "opentracy_cost_usd_total", labels));
        Assert.True(Sample(after, "opentracy_request_duration_seconds_count", labels) >= 5);
        Assert.True(Sample(after, "opentracy_time_to_first_token_seconds_count", labels) >= 1);
        Assert.True(Sample(after, "opentracy_retries_total", labels) >= 1);
        Assert.True(Sample(after, "opentracy_fallbacks_total", labels) >= 1);
        Assert.True(Sample(after, "opentracy_request_errors_total", labels + ",code=\"rate_limit_exceeded\"") >= 1);
        Assert.Contains("opentracy_limiter_wait_seconds", after);
        Assert.DoesNotContain(NodeFixture.OpenAiKey, after);
    }

    [Fact]
    public async Task Every_request_leaves_a_trace_record_queryable_with_a_limit()
    {
        using var ok = await fx.PostAsync(NodeFixture.Body(Model, "trace me [mock id=t-ok]"));
        ok.EnsureSuccessStatusCode();
        using var stream = await fx.PostStreamingAsync(NodeFixture.Body(Model, "a b c [mock id=t-stream chunks=3]", stream: true));
        await stream.Content.ReadAsStringAsync();
        using var failed = await fx.PostAsync(NodeFixture.Body(Model, "[mock id=t-502 status=500]"));
        using var bad = await fx.PostAsync("{broken");

        var okTrace = await TraceAsync(ok.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal(Model, (string?)okTrace["model"]);
        Assert.Equal("openai", (string?)okTrace["provider"]);
        Assert.Equal(200, (int)okTrace["status"]!);
        Assert.Equal(1, (int)okTrace["attempts"]!);
        Assert.True((int)okTrace["prompt_tokens"]! > 0 && (int)okTrace["completion_tokens"]! > 0);
        Assert.True((double)okTrace["cost_usd"]! > 0);
        Assert.True((double)okTrace["latency_ms"]! > 0);
        Assert.Null(okTrace["error"]);

        var streamTrace = await TraceAsync(stream.Headers.GetValues("X-Request-Id").Single());
        Assert.True((bool)streamTrace["stream"]!);
        Assert.True((double)streamTrace["ttft_ms"]! > 0);
        Assert.True((int)streamTrace["completion_tokens"]! > 0, "a stream's usage is recorded even when the client did not ask for it");

        var failedTrace = await TraceAsync(failed.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal(502, (int)failedTrace["status"]!);
        Assert.Equal("upstream_error", (string?)failedTrace["error_code"]);
        Assert.False(string.IsNullOrEmpty((string?)failedTrace["error"]));

        var badTrace = await TraceAsync(bad.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal(400, (int)badTrace["status"]!);
        Assert.Null(badTrace["provider"]);

        Assert.Equal(2, (await TracesAsync(2)).Count);
    }

    [Fact]
    public async Task Request_ids_are_time_ordered_uuid_v7_so_the_trace_index_grows_at_its_end()
    {
        using var first = await fx.PostAsync("{broken");
        await Task.Delay(TimeSpan.FromMilliseconds(5)); // a later millisecond: v7 orders by its millisecond timestamp
        using var second = await fx.PostAsync("{broken");

        var ids = new[] { first, second }.Select(r => r.Headers.GetValues("X-Request-Id").Single()).ToArray();
        Assert.All(ids, id => Assert.Equal(7, Guid.ParseExact(id, "N").Version));
        Assert.True(string.CompareOrdinal(ids[0], ids[1]) < 0, $"{ids[0]} then {ids[1]}");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1000001")]
    public async Task Trace_limit_out_of_range_is_400(string limit)
    {
        using var response = await fx.Http.GetAsync(new Uri(fx.BaseUrl, $"/v1/traces?limit={limit}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("limit must be an integer from 1 to ", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]);
    }

    [Fact]
    public async Task A_request_span_has_one_child_span_per_provider_attempt()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is EdgeTelemetry.SourceName or EngineActivity.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var id = NodeFixture.NewId("span-retry");

        using var response = await fx.PostAsync(NodeFixture.Body(Model, $"spans [mock id={id} status=503 fail-times=1]", extra: "\"num_retries\":1"));
        response.EnsureSuccessStatusCode();
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        Activity? request = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (request is null && DateTime.UtcNow < deadline)
        {
            request = spans.FirstOrDefault(s => s.OperationName == EdgeTelemetry.RequestSpan && (string?)s.GetTagItem("opentracy.request_id") == requestId);
            if (request is null) await Task.Delay(50);
        }
        Assert.NotNull(request);
        var attempts = spans.Where(s => s.OperationName == EngineActivity.AttemptSpan && (string?)s.GetTagItem("opentracy.request_id") == requestId)
            .OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal(request.TraceId, a.TraceId);
            Assert.Equal(request.SpanId, a.ParentSpanId);
            Assert.Equal("openai", a.GetTagItem("opentracy.provider"));
        });
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal(ActivityStatusCode.Ok, attempts[1].Status);
        Assert.Equal(ActivityStatusCode.Ok, request.Status);
    }
}
