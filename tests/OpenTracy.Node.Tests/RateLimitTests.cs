using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>
/// One node with rate limits: 6 rpm / burst 1 on openai (the first permit is 10 s away), 60 rpm with max-wait on
/// anthropic, and a generous limit without any wait on bedrock.
/// </summary>
public sealed class RateLimitedNodeFixture : NodeFixture
{
    protected override string ExtraHocon => """
        opentracy.rate-limits {
          openai { requests-per-minute = 6, burst = 1, max-wait = 0s }
          anthropic { requests-per-minute = 60, burst = 1, max-wait = 10s }
          bedrock { requests-per-minute = 60000, burst = 100, max-wait = 0s }
        }
        """;
}

/// <summary>When no permit is available: next fallback, else wait up to max-wait, else 429 with Retry-After in OpenAI's shape.</summary>
public sealed class RateLimitTests(RateLimitedNodeFixture fx) : IClassFixture<RateLimitedNodeFixture>
{
    [Fact]
    public async Task Without_a_permit_the_plan_moves_on_to_the_fallback()
    {
        var id = NodeFixture.NewId("rl-fallback");
        using var response = await fx.PostAsync(NodeFixture.Body("openai/gpt-4o-mini", $"hi [mock id={id}]",
            extra: "\"fallbacks\": [\"anthropic/claude-3-5-haiku-latest\"]"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anthropic/claude-3-5-haiku-latest", response.Headers.GetValues("X-OpenTracy-Selected-Model").Single());
        Assert.Equal(1, fx.Mock.GetStats(id).Requests);
    }

    [Fact]
    public async Task Without_a_permit_and_without_fallback_the_answer_is_429_with_retry_after_in_openai_shape()
    {
        var id = NodeFixture.NewId("rl-429");
        using var response = await fx.PostAsync(NodeFixture.Body("openai/gpt-4o-mini", $"hi [mock id={id}]"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("rate_limit_error", error["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_exceeded", error["code"]!.GetValue<string>());
        Assert.Equal(0, fx.Mock.GetStats(id).Requests);
    }

    [Fact]
    public async Task Once_the_node_is_ready_the_first_request_of_a_limited_key_is_admitted_without_waiting_for_the_coordinator()
    {
        // The fixture waited for /health/ready, which includes the limiter region's registration with the shard
        // coordinator: the first lease is placed at once, well within min-wait, even with max-wait = 0.
        var id = NodeFixture.NewId("rl-ready");
        using var response = await fx.PostAsync(NodeFixture.Body("bedrock/amazon.nova-lite-v1:0", $"hi [mock id={id}]"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, fx.Mock.GetStats(id).Requests);
    }

    [Fact]
    public async Task The_last_candidate_waits_up_to_max_wait_for_a_permit()
    {
        var id = NodeFixture.NewId("rl-wait");
        var clock = Stopwatch.StartNew();
        // 1 per second and the limiter starts empty: the first permit is about a second away, within max-wait.
        using var first = await fx.PostAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-latest", $"hi [mock id={id}]"));
        using var second = await fx.PostAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-latest", $"hi [mock id={id}]"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(30), $"two permits at 60 rpm came after {clock.Elapsed}");
        Assert.Equal(2, fx.Mock.GetStats(id).Requests);
    }
}
