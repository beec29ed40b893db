using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>A node that keeps prompts (cut to <see cref="MaxPromptChars"/>) in a trace database file of its own.</summary>
public class PromptCaptureFixture : NodeFixture, IAsyncLifetime
{
    public const int MaxPromptChars = 60;
    private readonly string _dir = Directory.CreateTempSubdirectory("opentracy-traces-").FullName;

    public string TracesPath => Path.Combine(_dir, "traces.db");

    protected override string ExtraHocon => $$"""
        opentracy.observability.traces { path = "{{TracesPath}}", capture-prompts = on, max-prompt-chars = {{MaxPromptChars}} }
        """;

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Shared helpers: trace lookup and feedback posts.</summary>
internal static class Feedback
{
    public static Task<HttpResponseMessage> PostAsync(NodeFixture fx, string json)
        => fx.Http.PostAsync(new Uri(fx.BaseUrl, "/v1/feedback"), new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> LabelAsync(NodeFixture fx, string requestId, bool correct)
        => PostAsync(fx, new JsonObject { ["request_id"] = requestId, ["correct"] = correct }.ToJsonString());

    public static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("X-Request-Id").Single();

    /// <summary>The trace record of <paramref name="requestId"/> once <paramref name="until"/> holds for it (generous deadline).</summary>
    public static async Task<JsonNode> TraceAsync(NodeFixture fx, string requestId, Func<JsonNode, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var data = JsonNode.Parse(await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/v1/traces?limit=1000")))!["data"]!.AsArray();
            var found = data.FirstOrDefault(t => (string?)t!["request_id"] == requestId);
            if (found is not null && (until is null || until(found))) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no (matching) trace record for {requestId}");
            await Task.Delay(50);
        }
    }
}

public sealed class PromptCaptureTests(PromptCaptureFixture fx) : IClassFixture<PromptCaptureFixture>
{
    private const string Model = "openai/gpt-4o-mini";

    [Fact]
    public async Task The_trace_keeps_the_last_user_message_cut_to_max_prompt_chars_and_no_key()
    {
        var id = NodeFixture.NewId("capture");
        var lastUser = $"Explain the difference between a process and a thread, with examples. [mock id={id}]";
        var body = new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
                new JsonObject { ["role"] = "user", ["content"] = "first question" },
                new JsonObject { ["role"] = "assistant", ["content"] = "first answer" },
                new JsonObject { ["role"] = "user", ["content"] = lastUser }),
        }.ToJsonString();

        using var response = await fx.PostAsync(body);
        response.EnsureSuccessStatusCode();
        var trace = await Feedback.TraceAsync(fx, Feedback.RequestId(response));

        Assert.True(lastUser.Length > PromptCaptureFixture.MaxPromptChars);
        Assert.Equal(lastUser[..PromptCaptureFixture.MaxPromptChars], (string?)trace["prompt"]);
        Assert.Null(trace["correct"]);
        var all = await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/v1/traces?limit=1000"));
        Assert.DoesNotContain(NodeFixture.OpenAiKey, all);
    }

    [Fact]
    public async Task A_short_prompt_is_kept_whole_for_streams_too()
    {
        var prompt = $"hi [mock id={NodeFixture.NewId("cap-s")} chunks=2]";
        using var stream = await fx.PostStreamingAsync(NodeFixture.Body(Model, prompt, stream: true));
        await stream.Content.ReadAsStringAsync();

        var trace = await Feedback.TraceAsync(fx, Feedback.RequestId(stream));
        Assert.Equal(prompt, (string?)trace["prompt"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Feedback_right_after_the_answer_labels_the_record(bool stream)
    {
        var prompt = $"label me [mock id={NodeFixture.NewId("fb")}]";
        using var response = stream ? await fx.PostStreamingAsync(NodeFixture.Body(Model, prompt, stream: true)) : await fx.PostAsync(NodeFixture.Body(Model, prompt));
        await response.Content.ReadAsStringAsync();
        var requestId = Feedback.RequestId(response);

        using var first = await Feedback.LabelAsync(fx, requestId, correct: true); // no wait: the record may still be queued
        var text = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, text);
        var json = JsonNode.Parse(text)!;
        Assert.Equal("feedback", (string?)json["object"]);
        Assert.Equal(requestId, (string?)json["request_id"]);
        Assert.True((bool)json["correct"]!);
        Assert.True((bool)(await Feedback.TraceAsync(fx, requestId))["correct"]!);

        using var second = await Feedback.LabelAsync(fx, requestId, correct: false);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var relabelled = await Feedback.TraceAsync(fx, requestId);
        Assert.False((bool)relabelled["correct"]!);
        Assert.Equal(prompt, (string?)relabelled["prompt"]);
    }

    [Theory]
    [InlineData("{broken")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"request_id\":\"abc\"}")]
    [InlineData("{\"correct\":true}")]
    [InlineData("{\"request_id\":\"\",\"correct\":true}")]
    [InlineData("{\"request_id\":42,\"correct\":true}")]
    [InlineData("{\"request_id\":\"abc\",\"correct\":\"yes\"}")]
    [InlineData("{\"request_id\":\"abc\",\"correct\":1}")]
    public async Task A_bad_feedback_body_is_400_in_openai_shape(string body)
    {
        using var response = await Feedback.PostAsync(fx, body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Fact]
    public async Task Feedback_for_an_unknown_request_id_is_404_in_openai_shape()
    {
        using var response = await Feedback.LabelAsync(fx, Guid.NewGuid().ToString("N"), correct: true);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, text);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("not_found_error", (string?)error["type"]);
        Assert.Equal("request_not_found", (string?)error["code"]);
        Assert.Equal("request_id", (string?)error["param"]);
    }
}

/// <summary>The default node: prompts are not kept (privacy), feedback still labels the record.</summary>
public sealed class NoPromptCaptureTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task By_default_the_trace_has_no_prompt_and_feedback_still_labels_it()
    {
        var prompt = $"do not keep me [mock id={NodeFixture.NewId("nocap")}]";
        using var response = await fx.PostAsync(NodeFixture.Body("openai/gpt-4o-mini", prompt));
        response.EnsureSuccessStatusCode();
        var requestId = Feedback.RequestId(response);

        using var label = await Feedback.LabelAsync(fx, requestId, correct: false);
        Assert.Equal(HttpStatusCode.OK, label.StatusCode);

        var trace = await Feedback.TraceAsync(fx, requestId);
        Assert.Null(trace["prompt"]);
        Assert.False((bool)trace["correct"]!);
        var all = await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/v1/traces?limit=1000"));
        Assert.DoesNotContain("do not keep me", all);
    }
}

/// <summary>A node without a trace store.</summary>
public sealed class NoTraceStoreFixture : NodeFixture
{
    protected override string ExtraHocon => "opentracy.observability.traces.enabled = off";
}

public sealed class FeedbackWithoutTraceStoreTests(NoTraceStoreFixture fx) : IClassFixture<NoTraceStoreFixture>
{
    [Fact]
    public async Task Feedback_without_a_trace_store_is_400_saying_so()
    {
        using var response = await Feedback.LabelAsync(fx, Guid.NewGuid().ToString("N"), correct: true);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains("traces.enabled = on", (string?)JsonNode.Parse(text)!["error"]!["message"]);
    }
}
