using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenTracy.Cluster.Tests.Support;

/// <summary>One chat completion through a node, reduced to what the tests check.</summary>
public sealed record ChatResult(HttpStatusCode? Status, string? RetryAfter, string? ErrorType, string? Failure)
{
    public bool Ok => Status == HttpStatusCode.OK;
    public bool RateLimited => Status == HttpStatusCode.TooManyRequests;
}

public static class Chat
{
    public static async Task<ChatResult> SendAsync(HttpClient http, Uri node, string model, string text, CancellationToken ct = default)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        };
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri(node, "/v1/chat/completions"), content, ct);
            var raw = await response.Content.ReadAsStringAsync(ct);
            string? errorType = null;
            if (!response.IsSuccessStatusCode)
            {
                try
                {
                    errorType = JsonNode.Parse(raw)?["error"]?["type"]?.GetValue<string>();
                }
                catch (JsonException)
                {
                    errorType = "(not json)";
                }
            }
            var retryAfter = response.Headers.RetryAfter?.ToString();
            return new ChatResult(response.StatusCode, retryAfter, errorType, response.IsSuccessStatusCode ? null : raw);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new ChatResult(null, null, null, e.GetType().Name + ": " + e.Message);
        }
    }
}
