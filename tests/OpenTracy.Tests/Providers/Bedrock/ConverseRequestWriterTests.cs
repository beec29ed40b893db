using System.Text;
using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;

namespace OpenTracy.Tests.Providers.Bedrock;

public class ConverseRequestWriterTests
{
    private static void AssertTranslates(string openAiRequest, string expectedConverse)
    {
        var actual = Encoding.UTF8.GetString(ConverseRequestWriter.Write(Requests.Parse(openAiRequest)));
        var equal = JsonNode.DeepEquals(JsonNode.Parse(expectedConverse), JsonNode.Parse(actual));
        Assert.True(equal, $"expected {JsonNode.Parse(expectedConverse)!.ToJsonString()}\n  actual {actual}");
    }

    private static ProviderException Refused(string openAiRequest)
        => Assert.Throws<ProviderException>(() => ConverseRequestWriter.Write(Requests.Parse(openAiRequest)));

    [Fact]
    public void Plain_user_message_has_no_inference_config_when_nothing_is_set()
        => AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"Hello"}]}""",
            """{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}""");

    [Fact]
    public void Every_system_message_goes_to_system_in_order()
        => AssertTranslates(
            """
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"Hi"},
              {"role":"developer","content":[{"type":"text","text":"Answer in French."}]}
            ]}
            """,
            """
            {"messages":[{"role":"user","content":[{"text":"Hi"}]}],
             "system":[{"text":"Be brief."},{"text":"Answer in French."}]}
            """);

    [Fact]
    public void Inference_config_carries_only_what_is_set_and_stop_becomes_stop_sequences()
    {
        AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":256,"temperature":0.2,"top_p":0.9,"stop":["END","\n\n"]}""",
            """{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":256,"temperature":0.2,"topP":0.9,"stopSequences":["END","\n\n"]}}""");
        AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"x"}],"stop":"STOP"}""",
            """{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"stopSequences":["STOP"]}}""");
        AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":64}""",
            """{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":64}}""");
    }

    [Fact]
    public void Base64_images_become_image_blocks_with_their_format()
        => AssertTranslates(
            """
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
              {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRg=="}},
              {"type":"image_url","image_url":{"url":"data:image/gif;base64,R0lGODlh"}}
            ]}]}
            """,
            """
            {"messages":[{"role":"user","content":[
              {"text":"What is this?"},
              {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}},
              {"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQ"}}},
              {"image":{"format":"webp","source":{"bytes":"UklGRg=="}}},
              {"image":{"format":"gif","source":{"bytes":"R0lGODlh"}}}
            ]}]}
            """);

    [Fact]
    public void Image_urls_are_refused_with_a_clear_configuration_error()
    {
        var ex = Refused("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""");
        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.Contains("cannot fetch image URLs", ex.Message);

        var bmp = Refused("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""");
        Assert.Contains("image/bmp", bmp.Message);
    }

    [Fact]
    public void Tool_use_and_tool_results_with_merged_turns_and_tool_config()
        => AssertTranslates(
            """
            {"model":"m",
             "messages":[
               {"role":"user","content":"Weather in Paris and Rome?"},
               {"role":"assistant","content":null,"tool_calls":[
                 {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                 {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"18C"},
               {"role":"tool","tool_call_id":"call_2","content":"24C"},
               {"role":"user","content":"Thanks"}
             ],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "tool_choice":"required"}
            """,
            """
            {"messages":[
               {"role":"user","content":[{"text":"Weather in Paris and Rome?"}]},
               {"role":"assistant","content":[
                 {"toolUse":{"toolUseId":"call_1","name":"get_weather","input":{"city":"Paris"}}},
                 {"toolUse":{"toolUseId":"call_2","name":"get_weather","input":{"city":"Rome"}}}]},
               {"role":"user","content":[
                 {"toolResult":{"toolUseId":"call_1","content":[{"text":"18C"}]}},
                 {"toolResult":{"toolUseId":"call_2","content":[{"text":"24C"}]}},
                 {"text":"Thanks"}]}
             ],
             "toolConfig":{
               "tools":[{"toolSpec":{"name":"get_weather","description":"Current weather",
                         "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],
               "toolChoice":{"any":{}}}}
            """);

    [Fact]
    public void Assistant_text_is_kept_before_its_tool_calls()
        => AssertTranslates(
            """
            {"model":"m","messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":"Let me check.","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":""}}]}
            ]}
            """,
            """
            {"messages":[
              {"role":"user","content":[{"text":"go"}]},
              {"role":"assistant","content":[{"text":"Let me check."},{"toolUse":{"toolUseId":"t1","name":"f","input":{}}}]}
            ]}
            """);

    [Theory]
    [InlineData("\"auto\"", """{"auto":{}}""")]
    [InlineData("\"required\"", """{"any":{}}""")]
    [InlineData("""{"type":"function","function":{"name":"f"}}""", """{"tool":{"name":"f"}}""")]
    public void Tool_choice_maps_to_converse(string choice, string expected)
        => AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"""
                + choice + "}",
            """{"messages":[{"role":"user","content":[{"text":"x"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":"""
                + expected + "}}");

    [Fact]
    public void Tool_choice_none_omits_the_choice()
        => AssertTranslates(
            """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"none"}""",
            """{"messages":[{"role":"user","content":[{"text":"x"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}]}}""");

    [Fact]
    public void Invalid_tool_arguments_and_unknown_roles_are_configuration_errors()
    {
        var args = Refused("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}""");
        Assert.Equal(ProviderFailureKind.Configuration, args.Kind);
        var role = Refused("""{"model":"m","messages":[{"role":"narrator","content":"x"}]}""");
        Assert.Equal(ProviderFailureKind.Configuration, role.Kind);
    }
}
