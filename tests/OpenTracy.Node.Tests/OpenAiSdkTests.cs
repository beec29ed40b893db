using System.ClientModel;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>The official OpenAI .NET package, unchanged client code, pointed at the node's /v1.</summary>
public sealed class OpenAiSdkTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    public static TheoryData<string> Models => new()
    {
        "openai/gpt-4o-mini",
        "anthropic/claude-3-5-haiku-20241022",
        "bedrock/amazon.nova-lite-v1:0",
    };

    private ChatClient Client(string model)
        => new(model, new ApiKeyCredential("any-key"), new OpenAIClientOptions { Endpoint = new Uri(fx.BaseUrl, "/v1") });

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Completes_a_chat(string model)
    {
        ChatCompletion completion = await Client(model).CompleteChatAsync([new UserChatMessage("Say hello [mock id=sdk-chat]")]);

        Assert.Equal("echo: Say hello", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Streams_a_chat(string model)
    {
        var text = new System.Text.StringBuilder();
        var updates = 0;
        await foreach (var update in Client(model).CompleteChatStreamingAsync([new UserChatMessage("one two three four [mock id=sdk-stream chunks=4]")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        }

        Assert.True(updates >= 4);
        Assert.Equal("echo: one two three four", text.ToString().Trim());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Receives_a_tool_call(string model)
    {
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
                    BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")),
            },
        };

        ChatCompletion completion = await Client(model).CompleteChatAsync(
            [new UserChatMessage("""Weather in Paris? [mock id=sdk-tool tool=get_weather args={"city":"Paris"}]""")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        Assert.False(string.IsNullOrEmpty(call.Id));
    }
}
