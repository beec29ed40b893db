using System.Text;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;

namespace OpenTracy.Tests.Providers.Bedrock;

public class ConverseResponseReaderTests
{
    private static OpenTracy.Wire.ModelResponse Read(string json) => ConverseResponseReader.Read(Encoding.UTF8.GetBytes(json), "amazon.nova-lite-v1:0", 1_700_000_000);

    [Fact]
    public void Text_blocks_are_concatenated_with_usage_and_finish_reason()
    {
        var r = Read("""
            {"output":{"message":{"role":"assistant","content":[{"text":"Hello, "},{"text":"world"}]}},
             "stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":3,"totalTokens":15},"metrics":{"latencyMs":90}}
            """);
        Assert.StartsWith("bedrock-", r.Id);
        Assert.Equal(32, r.Id["bedrock-".Length..].Length);
        Assert.Equal("chat.completion", r.Object);
        Assert.Equal("amazon.nova-lite-v1:0", r.Model);
        Assert.Equal(1_700_000_000, r.Created);
        Assert.Equal("Hello, world", r.Content);
        Assert.Equal("assistant", r.Choices[0].Message!.Role);
        Assert.Equal("stop", r.Choices[0].FinishReason);
        Assert.Equal((12, 3, 15), (r.Usage!.PromptTokens, r.Usage.CompletionTokens, r.Usage.TotalTokens));
        Assert.Null(r.Choices[0].Message!.ToolCalls);
    }

    [Fact]
    public void Tool_use_blocks_become_tool_calls_with_json_text_arguments()
    {
        var r = Read("""
            {"output":{"message":{"role":"assistant","content":[
               {"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris","days":2}}}]}},
             "stopReason":"tool_use","usage":{"inputTokens":5,"outputTokens":7}}
            """);
        var call = Assert.Single(r.Choices[0].Message!.ToolCalls!);
        Assert.Equal("tooluse_1", call.Id);
        Assert.Equal("function", call.Type);
        Assert.Equal("get_weather", call.Function!.Name);
        Assert.Equal("""{"city":"Paris","days":2}""", call.Function.Arguments);
        Assert.Null(r.Choices[0].Message!.Content);
        Assert.Equal("tool_calls", r.Choices[0].FinishReason);
        Assert.Equal(12, r.Usage!.TotalTokens); // summed when totalTokens is absent
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("content_filtered", "content_filter")]
    [InlineData("guardrail_intervened", "content_filter")]
    public void Stop_reasons_map_to_finish_reasons(string stopReason, string finishReason)
        => Assert.Equal(finishReason, ConverseResponseReader.MapStopReason(stopReason));

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"unexpected":true}""")]
    [InlineData("[1,2]")]
    public void Bodies_that_are_not_converse_responses_are_invalid(string body)
    {
        var ex = Assert.Throws<ProviderException>(() => Read(body));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
    }
}
