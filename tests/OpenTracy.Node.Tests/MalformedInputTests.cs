using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>Every client mistake gets a clear 4xx with OpenAI's error object; never a 500.</summary>
public sealed class MalformedInputTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    private const string Model = "anthropic/claude-3-5-haiku-20241022";
    private const string Hi = "[{\"role\":\"user\",\"content\":\"hi\"}]";

    public static TheoryData<string, int, string, string?> Cases => new()
    {
        { "{\"model\":", 400, "invalid request body: ", null },
        { "not json at all", 400, "invalid request body: ", null },
        { "", 400, "invalid request body: ", null },
        { "[1,2]", 400, "invalid request body: expected a JSON object", null },
        { $"{{\"model\":\"{Model}\"}}", 400, "messages is required", "messages" },
        { $"{{\"model\":\"{Model}\",\"messages\":[]}}", 400, "messages is required", "messages" },
        { $"{{\"model\":\"{Model}\",\"messages\":null}}", 400, "messages is required", "messages" },
        { $"{{\"model\":\"{Model}\",\"messages\":\"hi\"}}", 400, "invalid request body: 'messages' must be an array of messages", "messages" },
        { $"{{\"model\":\"{Model}\",\"messages\":[\"hi\"]}}", 400, "invalid request body: 'messages[0]' must be an object", "messages[0]" },
        { $"{{\"model\":\"{Model}\",\"messages\":[{{\"content\":\"hi\"}}]}}", 400, "messages[0].role is required", "messages[0].role" },
        { $"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"wizard\",\"content\":\"hi\"}}]}}", 400, "messages[0].role 'wizard' is not one of", "messages[0].role" },
        { $"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"user\",\"content\":42}}]}}", 400, "invalid request body: 'messages[0].content' must be", "messages[0].content" },
        { $"{{\"model\":42,\"messages\":{Hi}}}", 400, "invalid request body: 'model' must be a string", "model" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"temperature\":\"hot\"}}", 400, "invalid request body: 'temperature' has the wrong type", "temperature" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"max_tokens\":1.5}}", 400, "invalid request body: 'max_tokens' has the wrong type", "max_tokens" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"stream\":\"yes\"}}", 400, "invalid request body: 'stream' must be a boolean", "stream" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"num_retries\":-1}}", 400, "invalid request body: 'num_retries' must be a non-negative integer", "num_retries" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"fallbacks\":\"openai/gpt-4o\"}}", 400, "invalid request body: 'fallbacks' must be an array of model strings", "fallbacks" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"stop\":[1]}}", 400, "invalid request body: 'stop' has the wrong type", "stop" },
        { $"{{\"model\":\"mystery-model\",\"messages\":{Hi}}}", 404, "no provider found for model \"mystery-model\"", "model" },
        { $"{{\"model\":\"auto\",\"messages\":{Hi}}}", 400, "semantic routing not available; specify a model name", "model" },
        { $"{{\"messages\":{Hi}}}", 400, "semantic routing not available; specify a model name", "model" },
        { $"{{\"model\":\"groq/llama-3.1-8b-instant\",\"messages\":{Hi}}}", 400, "provider \"groq\" for model \"groq/llama-3.1-8b-instant\" not configured", "model" },
        { $"{{\"model\":\"{Model}\",\"messages\":{Hi},\"fallbacks\":[\"nowhere/x\"]}}", 404, "no provider found for model \"nowhere/x\"", "model" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_request_gets_the_documented_client_error(string body, int status, string messageStart, string? param)
    {
        using var response = await fx.PostAsync(body);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.StartsWith(messageStart, (string?)error["message"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        var big = NodeFixture.Body(Model, new string('x', (int)NodeFixture.MaxBody));

        using var response = await fx.PostAsync(big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413_too()
    {
        var big = Encoding.UTF8.GetBytes(NodeFixture.Body(Model, new string('x', (int)NodeFixture.MaxBody)));
        using var content = new StreamContent(new MemoryStream(big)); // no Content-Length: sent chunked
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await fx.Http.PostAsync(fx.Completions, content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_fields_are_forwarded_and_gateway_fields_are_not()
    {
        var id = NodeFixture.NewId("passthrough");
        var body = NodeFixture.Body("openai/gpt-4o-mini", $"hi [mock id={id}]", extra: "\"seed\":7,\"user\":\"u-1\",\"num_retries\":1,\"fallbacks\":[]");

        using var response = await fx.PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = JsonNode.Parse(Assert.Single(fx.Mock.GetRequests(id)).Body)!;
        Assert.Equal(7, (int)upstream["seed"]!);
        Assert.Equal("u-1", (string?)upstream["user"]);
        Assert.Equal("gpt-4o-mini", (string?)upstream["model"]);
        Assert.Null(upstream["num_retries"]);
        Assert.Null(upstream["fallbacks"]);
    }
}
