using System.Net;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>A node with a model group and gateway keys: /v1/models, health, alias planning, authentication.</summary>
public sealed class EndpointsTests(EndpointsTests.GroupNodeFixture fx) : IClassFixture<EndpointsTests.GroupNodeFixture>
{
    public const string GatewayKey = "gw-test-key";

    public sealed class GroupNodeFixture : NodeFixture
    {
        protected override string ExtraHocon => """
            opentracy.models = [ "openai/gpt-4o" ]
            opentracy.model-groups {
              duo {
                strategy = round-robin
                deployments = [
                  { model = "anthropic/claude-3-5-haiku-20241022" }
                  { model = "bedrock/amazon.nova-lite-v1:0" }
                ]
                fallbacks = [ "openai/gpt-4o-mini" ]
              }
            }
            """;

        protected override IEnumerable<KeyValuePair<string, string?>> ExtraEnvironment => [new("OPENTRACY_GATEWAY_KEYS", GatewayKey + ",second-key")];
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? key = GatewayKey)
    {
        var request = new HttpRequestMessage(method, new Uri(fx.BaseUrl, path));
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return await fx.Http.SendAsync(request);
    }

    [Fact]
    public async Task Health_answers_without_a_key()
    {
        using var live = await SendAsync(HttpMethod.Get, "/health", key: null);
        using var ready = await SendAsync(HttpMethod.Get, "/health/ready", key: null);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Up", (string?)JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["member"]);
    }

    [Fact]
    public async Task Models_lists_aliases_deployments_and_configured_models_in_openai_shape()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/models");

        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("list", (string?)list["object"]);
        var data = list["data"]!.AsArray();
        var ids = data.Select(m => (string)m!["id"]!).ToList();
        Assert.Equal(["duo", "anthropic/claude-3-5-haiku-20241022", "bedrock/amazon.nova-lite-v1:0", "openai/gpt-4o"], ids.Take(4));
        // Then the priced models of the providers this node can call (openai, anthropic, bedrock here), never of others.
        Assert.Contains("openai/gpt-4o-mini", ids);
        Assert.Contains("anthropic/claude-3-5-haiku", ids);
        Assert.DoesNotContain(ids, id => id.StartsWith("groq/", StringComparison.Ordinal) || id.StartsWith("mistral/", StringComparison.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(data, m => Assert.Equal("model", (string?)m!["object"]));
        Assert.Equal("opentracy", (string?)data[0]!["owned_by"]);
        Assert.Equal("anthropic", (string?)data[1]!["owned_by"]);
    }

    [Fact]
    public async Task Missing_or_wrong_gateway_key_is_401()
    {
        using var none = await SendAsync(HttpMethod.Get, "/v1/models", key: null);
        using var wrong = await SendAsync(HttpMethod.Post, "/v1/chat/completions", NodeFixture.Body("duo", "hi"), key: "nope");
        using var second = await SendAsync(HttpMethod.Get, "/v1/models", key: "second-key");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("authentication_error", (string?)JsonNode.Parse(await wrong.Content.ReadAsStringAsync())!["error"]!["type"]);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Alias_requests_rotate_over_the_groups_deployments()
    {
        var providers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await SendAsync(HttpMethod.Post, "/v1/chat/completions", NodeFixture.Body("duo", $"hi [mock id={NodeFixture.NewId("rr")}]"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            providers.Add(response.Headers.GetValues("X-OpenTracy-Provider").Single());
        }

        // Round-robin over two deployments: consecutive requests alternate (tests of one class run one at a time).
        for (var i = 1; i < providers.Count; i++) Assert.NotEqual(providers[i - 1], providers[i]);
        Assert.Equal(["anthropic", "bedrock"], providers.Distinct().Order());
    }

    [Fact]
    public async Task Alias_falls_through_its_deployments_to_its_fallbacks()
    {
        var id = NodeFixture.NewId("group-fallback");

        // Both deployments fail once each (fail-times=2); the group's fallback answers.
        using var response = await SendAsync(HttpMethod.Post, "/v1/chat/completions", NodeFixture.Body("duo", $"hi [mock id={id} status=500 fail-times=2]"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai/gpt-4o-mini", response.Headers.GetValues("X-OpenTracy-Selected-Model").Single());
        Assert.Equal("3", response.Headers.GetValues("X-OpenTracy-Attempts").Single());
    }
}
