using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>
/// The official <c>OpenAI</c> .NET package (2.15), unchanged client code, against a node with gateway
/// keys on: include_usage, tool_choice, streamed tool-call deltas, JSON mode, typed errors, models.
/// </summary>
public sealed class DotNetSdkCompatTests(KeyedNodeFixture fx) : IClassFixture<KeyedNodeFixture>
{
    public static TheoryData<string> Models => new()
    {
        "openai/gpt-4o-mini",
        "anthropic/claude-3-5-haiku-20241022",
        "bedrock/amazon.nova-lite-v1:0",
    };

    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private OpenAIClientOptions Options(int retries = 0)
        => new() { Endpoint = new Uri(fx.BaseUrl, "/v1"), RetryPolicy = new ClientRetryPolicy(retries) };

    private ChatClient Client(string model, string key = KeyedNodeFixture.GatewayKey, int retries = 0)
        => new(model, new ApiKeyCredential(key), Options(retries));

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Streaming_reports_usage_in_the_last_update(string model)
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in Client(model).CompleteChatStreamingAsync([new UserChatMessage("one two three [mock id=net-usage chunks=3]")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal("echo: one two three", text.ToString().Trim());
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Forced_tool_choice_returns_the_tool_call(string model)
    {
        var options = new ChatCompletionOptions { Tools = { Weather }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather") };

        ChatCompletion completion = await Client(model).CompleteChatAsync(
            [new UserChatMessage("""Weather? [mock id=net-tool tool=get_weather args={"city":"Lima"}]""")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Lima", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Streamed_tool_call_deltas_assemble(string model)
    {
        var options = new ChatCompletionOptions { Tools = { Weather } };
        string? id = null, name = null;
        var args = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client(model).CompleteChatStreamingAsync(
            [new UserChatMessage("""Weather? [mock id=net-stool tool=get_weather args={"city":"Kyiv"}]""")], options))
        {
            finish ??= update.FinishReason;
            foreach (var delta in update.ToolCallUpdates)
            {
                Assert.Equal(0, delta.Index);
                id ??= delta.ToolCallId;
                name ??= delta.FunctionName;
                if (delta.FunctionArgumentsUpdate is { } a && !a.ToMemory().IsEmpty) args.Append(a.ToString());
            }
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("get_weather", name);
        Assert.Equal("Kyiv", JsonDocument.Parse(args.ToString()).RootElement.GetProperty("city").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Json_response_format_is_accepted(string model)
    {
        var id = NodeFixture.NewId("net-json");
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };

        ChatCompletion completion = await Client(model).CompleteChatAsync([new UserChatMessage($"Reply in JSON [mock id={id}]")], options);

        Assert.StartsWith("echo: Reply in JSON", completion.Content[0].Text);
        if (model.StartsWith("openai/", StringComparison.Ordinal))
        {
            using var upstream = JsonDocument.Parse(Assert.Single(fx.Mock.GetRequests(id)).Body);
            Assert.Equal("json_object", upstream.RootElement.GetProperty("response_format").GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Models_list()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential(KeyedNodeFixture.GatewayKey), Options());

        OpenAIModelCollection models = await client.GetModelsAsync();

        var ids = models.Select(m => m.Id).ToList();
        Assert.Contains("openai/gpt-4o-mini", ids);
        Assert.Contains("bedrock/amazon.nova-lite-v1:0", ids);
        Assert.All(models, m => Assert.False(string.IsNullOrEmpty(m.OwnedBy)));
    }

    public static TheoryData<string, string, int, string> Errors => new()
    {
        { "openai/gpt-4o-mini", "[mock id=net-e400 status=400]", 400, "" },
        { "mystery-model", "", 404, "no provider found for model \"mystery-model\"" },
        { "anthropic/claude-3-5-haiku-20241022", "[mock id=net-e429 status=429 retry-after=1]", 429, "" },
        { "bedrock/amazon.nova-lite-v1:0", "[mock id=net-e502 status=500]", 502, "" },
        { "openai/gpt-4o-mini", "[mock id=net-garbage garbage=1]", 502, "" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Errors_raise_the_clients_typed_exception_with_our_status_and_message(string model, string directive, int status, string messageStart)
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(model).CompleteChatAsync([new UserChatMessage($"fail {directive}")]));

        Assert.Equal(status, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString());
        var message = body.RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.StartsWith(messageStart, message);
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Contains(message!, error.Message);
    }

    [Fact]
    public async Task Wrong_gateway_key_is_401()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => Client("openai/gpt-4o-mini", key: "wrong-key").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, error.Status);
        Assert.Contains("invalid or missing gateway key", error.Message);
    }

    [Fact]
    public async Task Rate_limit_is_retried_by_the_client_after_retry_after()
    {
        var id = NodeFixture.NewId("net-retry");

        ChatCompletion completion = await Client("openai/gpt-4o-mini", retries: 2).CompleteChatAsync(
            [new UserChatMessage($"again [mock id={id} status=429 fail-times=1 retry-after=1]")]);

        Assert.StartsWith("echo: again", completion.Content[0].Text);
        Assert.Equal(2L, fx.Mock.GetStats(id).Requests);
    }
}
