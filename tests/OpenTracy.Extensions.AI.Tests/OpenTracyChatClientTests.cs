using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace OpenTracy.Extensions.AI.Tests;

/// <summary>The IChatClient adapter end to end over loopback: text, options, tool calls, usage, streaming.</summary>
public class OpenTracyChatClientTests(MockFixture fixture) : IClassFixture<MockFixture>
{
    public static TheoryData<string> Modes => new() { "direct", "engine" };

    private static string Id() => "meai-" + Guid.NewGuid().ToString("N")[..8];

    private JsonObject LastBody(string id) => JsonNode.Parse(fixture.Mock.GetRequests(id)[^1].Body)!.AsObject();

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Text_answers_carry_usage_and_opentracy_extras(string mode)
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client(mode), "openai/gpt-4o-mini");
        var id = Id();
        var response = await chat.GetResponseAsync($"hello there [mock id={id}]");

        Assert.Equal("echo: hello there", response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages[0].Role);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage!.OutputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.True(response.AdditionalProperties!.ContainsKey("_cost"));
        Assert.True(response.AdditionalProperties.ContainsKey("_latency_ms"));
        Assert.Equal("openai", response.AdditionalProperties["_provider"]);
        Assert.Equal(1, fixture.Mock.GetStats(id).Requests);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Chat_options_reach_the_upstream_body(string mode)
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client(mode), "openai/gpt-4o-mini");
        var id = Id();
        var weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city");
        await chat.GetResponseAsync([new(ChatRole.User, $"hi [mock id={id}]")], new ChatOptions
        {
            ModelId = "openai/gpt-4o",
            Instructions = "be brief",
            Temperature = 0.5f,
            TopP = 0.25f,
            MaxOutputTokens = 33,
            StopSequences = ["STOP"],
            Seed = 7,
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            ResponseFormat = ChatResponseFormat.Json,
            AdditionalProperties = new AdditionalPropertiesDictionary { ["user"] = "u-9" },
        });

        var body = LastBody(id);
        Assert.Equal(mode == "engine" ? "openai/gpt-4o" : "gpt-4o", (string?)body["model"]);
        Assert.Equal("system", (string?)body["messages"]![0]!["role"]);
        Assert.Equal("be brief", (string?)body["messages"]![0]!["content"]);
        Assert.Equal(0.5, (double)body["temperature"]!);
        Assert.Equal(0.25, (double)body["top_p"]!);
        Assert.Equal(33, (int)body["max_tokens"]!);
        Assert.Equal("STOP", (string?)body["stop"]![0]);
        Assert.Equal(7, (int)body["seed"]!);
        Assert.Equal("get_weather", (string?)body["tools"]![0]!["function"]!["name"]);
        Assert.Equal("object", (string?)body["tools"]![0]!["function"]!["parameters"]!["type"]);
        Assert.Equal("get_weather", (string?)body["tool_choice"]!["function"]!["name"]);
        Assert.Equal("json_object", (string?)body["response_format"]!["type"]);
        Assert.Equal("u-9", (string?)body["user"]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Tool_calls_become_function_call_content_and_results_go_back_as_tool_messages(string mode)
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client(mode), "openai/gpt-4o-mini");
        var id = Id();
        List<ChatMessage> history = [new(ChatRole.User, $"weather? [mock id={id} tool=get_weather args={{\"city\":\"Paris\"}}]")];
        var response = await chat.GetResponseAsync(history);

        var call = Assert.Single(response.Messages[0].Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);

        history.AddRange(response.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "sunny")]));
        await chat.GetResponseAsync(history);

        var messages = LastBody(id)["messages"]!.AsArray();
        Assert.Equal("assistant", (string?)messages[1]!["role"]);
        Assert.Equal(call.CallId, (string?)messages[1]!["tool_calls"]![0]!["id"]);
        Assert.Equal("Paris", (string?)JsonNode.Parse((string)messages[1]!["tool_calls"]![0]!["function"]!["arguments"]!)!["city"]);
        Assert.Equal("tool", (string?)messages[2]!["role"]);
        Assert.Equal(call.CallId, (string?)messages[2]!["tool_call_id"]);
        Assert.Equal("sunny", (string?)messages[2]!["content"]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Streaming_yields_text_updates_that_join_into_the_answer(string mode)
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client(mode), "openai/gpt-4o-mini");
        var id = Id();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync($"one two three [mock id={id} chunks=3]")) updates.Add(u);

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 2);
        var joined = updates.ToChatResponse();
        Assert.Equal("echo: one two three", joined.Text);
        Assert.Equal(ChatFinishReason.Stop, joined.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Streamed_tool_calls_are_assembled(string mode)
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client(mode), "openai/gpt-4o-mini");
        var id = Id();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync($"go [mock id={id} tool=lookup args={{\"q\":\"opentracy\",\"n\":3}}]")) updates.Add(u);

        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("lookup", call.Name);
        Assert.Equal("opentracy", ((JsonElement)call.Arguments!["q"]!).GetString());
        Assert.Equal(3, ((JsonElement)call.Arguments["n"]!).GetInt32());
    }

    [Fact]
    public async Task Provider_failures_surface_as_provider_exceptions_after_the_configured_retries()
    {
        IChatClient chat = new OpenTracyChatClient(fixture.Client("direct"), "openai/gpt-4o-mini", new CompletionOptions { NumRetries = 1 });
        var id = Id();
        var ex = await Assert.ThrowsAsync<Providers.ProviderException>(() => chat.GetResponseAsync($"x [mock id={id} status=400]"));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(1, fixture.Mock.GetStats(id).Requests); // 400 is not retried
    }

    [Fact]
    public void Metadata_and_services_are_exposed()
    {
        var client = fixture.Client("engine");
        IChatClient chat = new OpenTracyChatClient(client, "auto");
        var meta = chat.GetService<ChatClientMetadata>()!;
        Assert.Equal("opentracy", meta.ProviderName);
        Assert.Equal("auto", meta.DefaultModelId);
        Assert.Equal(new Uri(fixture.BaseUrl), meta.ProviderUri);
        Assert.Same(client, chat.GetService<OpenTracyClient>());
        Assert.Same(chat, chat.GetService<IChatClient>());
        Assert.Null(chat.GetService<ChatClientMetadata>("keyed"));
    }
}
