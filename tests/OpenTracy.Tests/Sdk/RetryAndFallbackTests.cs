using OpenTracy.Providers;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.FakeProviderClient;
using static OpenTracy.Tests.Sdk.SdkTestKit;

namespace OpenTracy.Tests.Sdk;

/// <summary>Reference §5.1, improved: only retryable failures are retried, Retry-After is honoured, non-retryable and configuration errors move to the next fallback at once.</summary>
public class RetryAndFallbackTests
{
    [Fact]
    public async Task Retryable_failures_are_retried_num_retries_times_with_growing_delays()
    {
        var fake = new FakeProviderClient().Script("gpt-4o", _ => Status(503), _ => Status(502), _ => Answer("gpt-4o", "third time", null));
        var time = new InstantTimeProvider();
        var response = await Client(fake, time: time).CompletionAsync("openai/gpt-4o", Hello, new CompletionOptions { NumRetries = 2 });

        Assert.Equal("third time", response.Content);
        Assert.Equal(3, fake.CallsTo("gpt-4o"));
        Assert.Equal([TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.0)], time.Delays);
    }

    [Fact]
    public async Task Retry_after_replaces_the_computed_delay_and_is_capped()
    {
        var fake = new FakeProviderClient().Script("gpt-4o",
            _ => Status(429, TimeSpan.FromSeconds(7)), _ => Status(429, TimeSpan.FromHours(1)), _ => Answer("gpt-4o", "ok", null));
        var time = new InstantTimeProvider();
        await Client(fake, time: time).CompletionAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 2 });
        Assert.Equal([TimeSpan.FromSeconds(7), OpenTracy.Sdk.RetryPolicy.MaxDelay], time.Delays);
    }

    [Fact]
    public async Task When_retries_run_out_the_last_error_is_thrown_as_it_was()
    {
        var last = Status(500);
        var fake = new FakeProviderClient().Fail("gpt-4o", Status(503), last);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Client(fake).CompletionAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 1 }));
        Assert.Same(last, ex);
        Assert.Equal(2, fake.CallsTo("gpt-4o"));
    }

    [Fact]
    public async Task Fallbacks_are_tried_in_order_after_the_primary_is_exhausted()
    {
        var fake = new FakeProviderClient()
            .Fail("gpt-4o", Status(503))
            .Fail("claude-sonnet-4-6", Status(500))
            .Succeed("deepseek-chat", "from deepseek");
        var response = await Client(fake).CompletionAsync("openai/gpt-4o", Hello,
            new CompletionOptions { NumRetries = 1, Fallbacks = ["anthropic/claude-sonnet-4-6", "deepseek/deepseek-chat", "groq/never-reached"] });

        Assert.Equal("from deepseek", response.Content);
        Assert.Equal(["gpt-4o", "gpt-4o", "claude-sonnet-4-6", "claude-sonnet-4-6", "deepseek-chat"], fake.CalledModels);
        Assert.Equal("deepseek", response.Provider);
    }

    [Fact]
    public async Task Non_retryable_errors_skip_straight_to_the_next_fallback()
    {
        var fake = new FakeProviderClient().Fail("gpt-4o", Status(400)).Succeed("deepseek-chat");
        var time = new InstantTimeProvider();
        await Client(fake, time: time).CompletionAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 3, Fallbacks = ["deepseek-chat"] });

        Assert.Equal(["gpt-4o", "deepseek-chat"], fake.CalledModels);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Configuration_errors_move_to_the_next_fallback_which_may_have_its_own_key()
    {
        var fake = new FakeProviderClient().Succeed("deepseek-chat", "fallback answered");
        var env = Env(("DEEPSEEK_API_KEY", "dk"));
        var response = await Client(fake, env).CompletionAsync("groq/llama-3.3-70b", Hello,
            new CompletionOptions { NumRetries = 2, Fallbacks = ["deepseek/deepseek-chat"] });
        Assert.Equal("fallback answered", response.Content);
        Assert.Equal(["deepseek-chat"], fake.CalledModels);
    }

    [Fact]
    public async Task The_final_error_is_the_last_candidates()
    {
        var fake = new FakeProviderClient().Fail("deepseek-chat", Status(401));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Client(fake, Env(("DEEPSEEK_API_KEY", "dk")))
            .CompletionAsync("groq/llama-3.3-70b", Hello, new CompletionOptions { Fallbacks = ["deepseek/deepseek-chat"] }));
        Assert.Equal(401, ex.StatusCode);

        var config = await Assert.ThrowsAsync<CompletionConfigurationException>(() => Client(fake, Env(("DEEPSEEK_API_KEY", "dk")))
            .CompletionAsync("deepseek/deepseek-chat", Hello, new CompletionOptions { Fallbacks = ["groq/llama-3.3-70b"] }));
        Assert.StartsWith("No API key for groq", config.Message);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_retried()
    {
        using var cts = new CancellationTokenSource();
        var fake = new FakeProviderClient().Script("gpt-4o", _ =>
        {
            cts.Cancel();
            return new OperationCanceledException(cts.Token);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(fake)
            .CompletionAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 3, Fallbacks = ["deepseek-chat"] }, cts.Token));
        Assert.Equal(["gpt-4o"], fake.CalledModels);
    }

    [Fact]
    public void The_blocking_form_returns_the_same_answer()
    {
        var fake = new FakeProviderClient().Script("gpt-4o", _ => Status(503), _ => Answer("gpt-4o", "blocking ok", null));
        var response = Client(fake).Completion("gpt-4o", Hello, new CompletionOptions { NumRetries = 1 });
        Assert.Equal("blocking ok", response.Content);
        Assert.Equal(2, fake.CallsTo("gpt-4o"));
    }

    [Fact]
    public async Task A_stream_that_fails_before_its_first_chunk_retries_and_falls_back()
    {
        var fake = new FakeProviderClient()
            .Script("gpt-4o", _ => Status(503), _ => new object[] { Status(502) })
            .Script("deepseek-chat", _ => new object[] { Chunk("a"), Chunk("b") });
        var texts = new List<string>();
        await foreach (var c in Client(fake).StreamAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 1, Fallbacks = ["deepseek-chat"] }))
            texts.Add(c.ContentDelta!);

        Assert.Equal(["a", "b"], texts);
        Assert.Equal(["gpt-4o", "gpt-4o", "deepseek-chat"], fake.CalledModels);
    }

    [Fact]
    public async Task A_stream_that_fails_after_its_first_chunk_surfaces_the_error()
    {
        var midStream = Status(503);
        var fake = new FakeProviderClient()
            .Script("gpt-4o", _ => new object[] { Chunk("first"), midStream })
            .Succeed("deepseek-chat");
        var texts = new List<string>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in Client(fake).StreamAsync("gpt-4o", Hello, new CompletionOptions { NumRetries = 2, Fallbacks = ["deepseek-chat"] }))
                texts.Add(c.ContentDelta!);
        });
        Assert.Same(midStream, ex);
        Assert.Equal(["first"], texts);
        Assert.Equal(["gpt-4o"], fake.CalledModels);
    }

    [Fact]
    public async Task An_empty_stream_is_a_success()
    {
        var fake = new FakeProviderClient().Script("gpt-4o", _ => Array.Empty<object>());
        var count = 0;
        await foreach (var _ in Client(fake).StreamAsync("gpt-4o", Hello)) count++;
        Assert.Equal(0, count);
    }
}
