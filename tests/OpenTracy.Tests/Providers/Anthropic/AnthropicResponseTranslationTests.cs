using System.Text;
using OpenTracy.Providers;
using OpenTracy.Providers.Anthropic;
using static OpenTracy.Tests.Providers.Anthropic.AnthropicTestSupport;

namespace OpenTracy.Tests.Providers.Anthropic;

public sealed class AnthropicResponseTranslationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_760_000_000);

    private static OpenTracy.Wire.ModelResponse Translate(string anthropicJson)
        => AnthropicResponseTranslator.Translate(Encoding.UTF8.GetBytes(anthropicJson), Model, Now, Provider);

    [Fact]
    public void Text_blocks_are_concatenated_and_usage_is_mapped()
    {
        var response = Translate("""
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"Hello, "},{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"world."}],
             "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":4}}
            """);
        JsonEqual("""
            {"id":"msg_01","object":"chat.completion","created":1760000000,"model":"claude-sonnet-4-5-20250929",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world."},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}
            """, ToNode(response));
    }

    [Fact]
    public void Tool_use_blocks_become_tool_calls_with_json_text_arguments()
    {
        var response = Translate("""
            {"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[
               {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{ "city" : "Paris", "days": [1, 2] }},
               {"type":"tool_use","id":"toolu_2","name":"now","input":{}}],
             "stop_reason":"tool_use","usage":{"input_tokens":30,"output_tokens":20}}
            """);
        JsonEqual("""
            {"id":"msg_02","object":"chat.completion","created":1760000000,"model":"claude-sonnet-4-5",
             "choices":[{"index":0,"message":{"role":"assistant","tool_calls":[
               {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":[1,2]}"}},
               {"id":"toolu_2","type":"function","function":{"name":"now","arguments":"{}"}}]},
               "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50}}
            """, ToNode(response));
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    public void Stop_reasons_map_to_finish_reasons(string stopReason, string finishReason)
    {
        var response = Translate($$$"""
            {"id":"m","model":"claude-sonnet-4-5","content":[{"type":"text","text":"x"}],"stop_reason":"{{{stopReason}}}",
             "usage":{"input_tokens":1,"output_tokens":1}}
            """);
        Assert.Equal(finishReason, response.Choices[0].FinishReason);
    }

    [Fact]
    public void The_requested_model_is_used_when_upstream_names_none()
    {
        var response = Translate("""{"id":"m","content":[{"type":"text","text":"x"}],"stop_reason":"end_turn"}""");
        Assert.Equal(Model, response.Model);
        Assert.Null(response.Usage);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"id":"m","content":"not an array"}""")]
    [InlineData("""[1,2,3]""")]
    public void Bodies_that_are_not_an_anthropic_message_are_invalid_responses(string body)
    {
        var ex = Assert.Throws<ProviderException>(() => Translate(body));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.False(ex.IsRetryable);
    }
}
