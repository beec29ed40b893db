using System.Net;

namespace OpenTracy.MockProvider.Tests;

public sealed class AzureTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string Path = "/openai/deployments/my-gpt5/chat/completions?api-version=2024-10-21";

    [Fact]
    public async Task Answers_with_deployment_as_model()
    {
        using var res = await fx.Http.SendAsync(Wire.Json(Path, new { messages = new object[] { new { role = "user", content = "hi azure" } } }, ("api-key", "k")));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("my-gpt5", (string)json["model"]!);
        Assert.Equal("chat.completion", (string)json["object"]!);
        Assert.Equal("echo: hi azure", (string)json["choices"]![0]!["message"]!["content"]!);
    }

    [Fact]
    public async Task Streams_in_openai_format()
    {
        var body = new { model = "ignored", stream = true, stream_options = new { include_usage = true }, messages = new object[] { new { role = "user", content = "hi" } } };
        using var res = await fx.Http.SendAsync(Wire.Json(Path, body, ("api-key", "k")));
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal("my-gpt5", (string)Wire.ParseJson(events[0].Data)["model"]!);
        Assert.NotNull(Wire.ParseJson(events[^2].Data)["usage"]);
    }

    [Fact]
    public async Task Missing_api_key_is_401_even_with_bearer()
    {
        using var none = await fx.Http.SendAsync(Wire.Json(Path, Wire.OpenAiBody("hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("401", (string)Wire.ParseJson(await none.Content.ReadAsStringAsync())["error"]!["code"]!);

        using var bearer = await fx.Http.SendAsync(Wire.Json(Path, Wire.OpenAiBody("hi"), ("Authorization", "Bearer k")));
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
    }

    [Fact]
    public async Task Missing_api_version_is_400()
    {
        using var res = await fx.Http.SendAsync(Wire.Json("/openai/deployments/my-gpt5/chat/completions", Wire.OpenAiBody("hi"), ("api-key", "k")));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("api-version", (string)Wire.ParseJson(await res.Content.ReadAsStringAsync())["error"]!["message"]!);
    }

    [Fact]
    public async Task Url_encoded_deployment_is_decoded()
    {
        using var res = await fx.Http.SendAsync(Wire.Json("/openai/deployments/my%20dep/chat/completions?api-version=x", Wire.OpenAiBody("hi"), ("api-key", "k")));
        Assert.Equal("my dep", (string)Wire.ParseJson(await res.Content.ReadAsStringAsync())["model"]!);
    }

    [Fact]
    public async Task Status_directive_uses_azure_error_body()
    {
        using var res = await fx.Http.SendAsync(Wire.Json(Path, Wire.OpenAiBody("hi [mock status=429 retry-after=3]"), ("api-key", "k")));
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.Equal("3", res.Headers.GetValues("Retry-After").Single());
        var error = Wire.ParseJson(await res.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal("429", (string)error["code"]!);
        Assert.Contains("rate limit", (string)error["message"]!);
    }
}
