using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>
/// A keyed node on which every JavaScript scenario of <see cref="JsSdkTests"/> is run once, concurrently,
/// in one <c>node</c> process (one process per scenario would cost seconds each); tests then check their result.
/// </summary>
public sealed class JsCompatFixture : KeyedNodeFixture, IAsyncLifetime
{
    public JsonObject Results { get; private set; } = [];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        if (JsSdk.SkipReason is null) Results = await JsSdk.BatchAsync(BaseUrl, GatewayKey, JsSdkTests.Cases);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();

    public JsonNode Result(string name) => Results[name] ?? throw new KeyNotFoundException($"no result for JavaScript case {name}");
}

/// <summary>The official <c>openai</c> npm package (^6, Node 20), unchanged client code, against a real node with gateway keys on.</summary>
public sealed class JsSdkTests(JsCompatFixture fx) : IClassFixture<JsCompatFixture>
{
    private const string OpenAi = "openai/gpt-4o-mini";
    private const string Anthropic = "anthropic/claude-3-5-haiku-20241022";
    private const string Bedrock = "bedrock/amazon.nova-lite-v1:0";
    private static readonly string[] AllModels = [OpenAi, Anthropic, Bedrock];
    private static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    public static TheoryData<string> Models => new(AllModels);

    public static readonly IReadOnlyList<JsCase> Cases =
    [
        .. AllModels.SelectMany(m => new[]
        {
            new JsCase($"chat {m}", "chat", m, "[mock id=js-chat]"),
            new JsCase($"stream {m}", "stream", m, "[mock id=js-stream chunks=4]"),
            new JsCase($"stream-usage {m}", "stream-usage", m, "[mock id=js-usage chunks=3]"),
            new JsCase($"tools {m}", "tools", m, """[mock id=js-tool tool=get_weather args={"city":"Paris"}]"""),
            new JsCase($"stream-tools {m}", "stream-tools", m, """[mock id=js-stool tool=get_weather args={"city":"Oslo"}]"""),
            new JsCase($"json {m}", "json", m, $"[mock id=js-json-{Run}-{m.Split('/')[0]}]"),
        }),
        new JsCase("models", "models", "unused"),
        new JsCase("e400", "error", OpenAi, "[mock id=js-e400 status=400]"),
        new JsCase("e404", "error", "mystery-model"),
        new JsCase("e429", "error", Anthropic, "[mock id=js-e429 status=429 retry-after=1]"),
        new JsCase("e502-status", "error", Bedrock, "[mock id=js-e502 status=503]"),
        new JsCase("e502-garbage", "error", OpenAi, "[mock id=js-garbage garbage=1]"),
        new JsCase("e401", "error", OpenAi, "", Key: "not-a-gateway-key"),
        new JsCase("retry429", "error-retried", OpenAi, $"[mock id=js-retry-{Run} status=429 fail-times=1 retry-after=1]"),
    ];

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Chat(string model)
    {
        var r = fx.Result($"chat {model}");
        Assert.Equal("echo: Say hello", (string?)r["content"]);
        Assert.Equal("stop", (string?)r["finish_reason"]);
        Assert.Equal("chat.completion", (string?)r["object"]);
        Assert.True((int)r["usage"]!["completion_tokens"]! > 0);
    }

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Streaming(string model)
    {
        var r = fx.Result($"stream {model}");
        Assert.Equal("echo: one two three four", ((string?)r["content"])?.Trim());
        Assert.True((int)r["chunks"]! >= 4);
        Assert.Equal("stop", (string?)r["finish_reason"]);
        Assert.Null(r["usage"]);
    }

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Streaming_with_include_usage(string model)
    {
        var r = fx.Result($"stream-usage {model}");
        Assert.Equal("echo: one two three four", ((string?)r["content"])?.Trim());
        var usage = r["usage"]!;
        Assert.True((int)usage["prompt_tokens"]! > 0);
        Assert.Equal((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!);
    }

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Tools_with_a_forced_tool_choice(string model)
    {
        var r = fx.Result($"tools {model}");
        Assert.Equal("tool_calls", (string?)r["finish_reason"]);
        Assert.Equal("get_weather", (string?)r["name"]);
        Assert.Equal("Paris", (string?)JsonNode.Parse((string)r["arguments"]!)!["city"]);
        Assert.False(string.IsNullOrEmpty((string?)r["id"]));
    }

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Streamed_tool_call_deltas_assemble_into_one_call(string model)
    {
        var r = fx.Result($"stream-tools {model}");
        Assert.Equal("tool_calls", (string?)r["finish_reason"]);
        var call = Assert.Single(r["calls"]!.AsArray())!;
        Assert.Equal("get_weather", (string?)call["name"]);
        Assert.Equal("Oslo", (string?)JsonNode.Parse((string)call["arguments"]!)!["city"]);
        Assert.False(string.IsNullOrEmpty((string?)call["id"]));
    }

    [JsTheory]
    [MemberData(nameof(Models))]
    public void Response_format_json_object_is_accepted_and_forwarded(string model)
    {
        var r = fx.Result($"json {model}");
        Assert.StartsWith("echo: Answer in JSON", (string?)r["content"]);
        if (model == OpenAi)
        {
            var upstream = JsonNode.Parse(Assert.Single(fx.Mock.GetRequests($"js-json-{Run}-openai")).Body)!;
            Assert.Equal("json_object", (string?)upstream["response_format"]!["type"]);
        }
    }

    [JsFact]
    public void Models_list_pages_through_the_node_models()
    {
        var ids = fx.Result("models")["ids"]!.AsArray().Select(n => (string?)n).ToList();
        Assert.Contains(OpenAi, ids);
        Assert.Contains(Anthropic, ids);
        Assert.Contains(Bedrock, ids);
    }

    [JsTheory]
    [InlineData("e400", 400, "BadRequestError", "")]
    [InlineData("e404", 404, "NotFoundError", "no provider found for model \"mystery-model\"")]
    [InlineData("e429", 429, "RateLimitError", "")]
    [InlineData("e502-status", 502, "InternalServerError", "")]
    [InlineData("e502-garbage", 502, "InternalServerError", "")]
    [InlineData("e401", 401, "AuthenticationError", "invalid or missing gateway key")]
    public void Errors_surface_as_the_sdks_typed_errors(string name, int status, string errorClass, string messageStart)
    {
        var r = fx.Result(name);
        Assert.False((bool?)r["ok"] ?? true, r.ToJsonString());
        Assert.Equal(errorClass, (string?)r["class"]);
        Assert.True((bool)r["isApiError"]!);
        Assert.Equal(status, (int)r["status"]!);
        Assert.StartsWith(messageStart, (string?)r["message"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)r["message"]));
    }

    [JsFact]
    public void Rate_limit_is_retried_by_the_sdk_after_retry_after()
    {
        var r = fx.Result("retry429");
        Assert.True((bool)r["ok"]!, r.ToJsonString());
        Assert.Equal(2L, fx.Mock.GetStats($"js-retry-{Run}").Requests);
    }
}
