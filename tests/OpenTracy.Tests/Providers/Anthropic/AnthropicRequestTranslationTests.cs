using static OpenTracy.Tests.Providers.Anthropic.AnthropicTestSupport;

namespace OpenTracy.Tests.Providers.Anthropic;

public sealed class AnthropicRequestTranslationTests
{
    [Fact]
    public void All_system_messages_are_joined_in_order_and_max_tokens_defaults_to_1024()
    {
        var body = Translate("""
            {"model":"anthropic/claude-sonnet-4-5","messages":[
              {"role":"system","content":"You are terse."},
              {"role":"user","content":"hi"},
              {"role":"system","content":[{"type":"text","text":"Answer in French."},{"type":"text","text":"No emoji."}]},
              {"role":"developer","content":"Be kind."}
            ]}
            """);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,
             "system":"You are terse.\n\nAnswer in French.\nNo emoji.\n\nBe kind.",
             "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, body);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"max_tokens":77,"max_completion_tokens":99}""", 77)]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":99}""", 99)]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", 1024)]
    public void Max_tokens_comes_from_max_tokens_then_max_completion_tokens_then_the_default(string openAiJson, int expected)
        => Assert.Equal(expected, (int)Translate(openAiJson)["max_tokens"]!);

    [Fact]
    public void Content_parts_become_text_and_image_blocks_for_data_uris_and_urls()
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":[
              {"type":"text","text":"What is in these?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}},
              {"type":"text","text":"Compare them.","cache_control":{"type":"ephemeral"}}
            ]}]}
            """);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is in these?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
              {"type":"text","text":"Compare them.","cache_control":{"type":"ephemeral"}}
            ]}]}
            """, body);
    }

    [Fact]
    public void Tools_become_input_schemas_with_an_empty_object_schema_by_default()
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":"weather?"}],
             "tools":[
               {"type":"function","function":{"name":"get_weather","description":"Current weather",
                 "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
               {"type":"function","function":{"name":"now"}}
             ],
             "tool_choice":"auto"}
            """);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,
             "messages":[{"role":"user","content":[{"type":"text","text":"weather?"}]}],
             "tools":[
               {"name":"get_weather","description":"Current weather",
                "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
               {"name":"now","input_schema":{"type":"object","properties":{}}}
             ],
             "tool_choice":{"type":"auto"}}
            """, body);
    }

    [Theory]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("\"required\"", """{"type":"any"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("""{"type":"function","function":{"name":"get_weather"}}""", """{"type":"tool","name":"get_weather"}""")]
    public void Tool_choice_is_translated(string openAi, string anthropic)
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"get_weather"}}],
             "tool_choice":
            """ + openAi + "}");
        JsonEqual(anthropic, body["tool_choice"]);
    }

    [Fact]
    public void Parallel_tool_calls_false_disables_parallel_tool_use()
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":"x"}],"parallel_tool_calls":false,
             "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}
            """);
        JsonEqual("""{"type":"any","disable_parallel_tool_use":true}""", body["tool_choice"]);
    }

    [Fact]
    public void Assistant_tool_calls_become_tool_use_and_consecutive_tool_results_share_one_user_message()
    {
        var body = Translate("""
            {"messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":"Checking both.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C sunny"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"22C"},{"type":"text","text":"clear"}]},
              {"role":"user","content":"And tomorrow?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_3","type":"function","function":{"name":"forecast","arguments":""}}]}
            ]}
            """);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[
              {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
              {"role":"assistant","content":[
                {"type":"text","text":"Checking both."},
                {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                {"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"call_1","content":"18C sunny"},
                {"type":"tool_result","tool_use_id":"call_2","content":"22C\nclear"},
                {"type":"text","text":"And tomorrow?"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"call_3","name":"forecast","input":{}}]}
            ]}
            """, body);
    }

    [Fact]
    public void Consecutive_same_role_messages_are_merged()
    {
        var body = Translate("""
            {"messages":[
              {"role":"user","content":"one"},{"role":"user","content":"two"},
              {"role":"assistant","content":"three"},{"role":"assistant","content":"four"}]}
            """);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[
              {"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
              {"role":"assistant","content":[{"type":"text","text":"three"},{"type":"text","text":"four"}]}]}
            """, body);
    }

    [Fact]
    public void Only_system_messages_leave_one_empty_user_message()
    {
        var body = Translate("""{"messages":[{"role":"system","content":"Say hello."}]}""");
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Say hello.",
             "messages":[{"role":"user","content":[{"type":"text","text":""}]}]}
            """, body);
    }

    [Theory]
    [InlineData("\"END\"", """["END"]""")]
    [InlineData("""["END","STOP"]""", """["END","STOP"]""")]
    public void Stop_becomes_stop_sequences(string stop, string expected)
    {
        var body = Translate($$$"""{"messages":[{"role":"user","content":"x"}],"stop":{{{stop}}}}""");
        JsonEqual(expected, body["stop_sequences"]);
    }

    [Fact]
    public void Sampling_fields_translate_metadata_and_top_k_pass_and_other_openai_fields_are_dropped()
    {
        var body = Translate("""
            {"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"x","name":"bob"}],
             "temperature":0.2,"top_p":0.9,"top_k":40,"metadata":{"user_id":"u-1"},
             "seed":7,"user":"bob","response_format":{"type":"json_object"},"logprobs":true,
             "stream_options":{"include_usage":true},"fallbacks":["gpt-4o"],"num_retries":2,"n":1}
            """, stream: true);
        JsonEqual("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,
             "messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],
             "temperature":0.2,"top_p":0.9,"top_k":40,"metadata":{"user_id":"u-1"},"stream":true}
            """, body);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    public void Tool_arguments_that_are_not_a_json_object_are_a_configuration_failure(string arguments)
    {
        var escaped = System.Text.Json.JsonSerializer.Serialize(arguments);
        var ex = ConfigurationFailure($$$"""
            {"messages":[{"role":"assistant","tool_calls":[
              {"id":"call_9","type":"function","function":{"name":"f","arguments":{{{escaped}}}}}]}]}
            """);
        Assert.Contains("call_9", ex.Message);
        Assert.Contains("JSON object", ex.Message);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""", "input_audio")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""", "image url")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}""", "data URI")]
    [InlineData("""{"messages":[{"role":"tool","content":"x"}]}""", "tool_call_id")]
    [InlineData("""{"messages":[{"role":"critic","content":"x"}]}""", "critic")]
    public void Requests_anthropic_cannot_express_fail_clearly(string openAiJson, string mentioned)
        => Assert.Contains(mentioned, ConfigurationFailure(openAiJson).Message);
}
