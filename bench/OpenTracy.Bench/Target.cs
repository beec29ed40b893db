using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OpenTracy.Bench;

/// <summary>
/// One thing under test: the chat URLs to spread requests over (round-robin), the model string and
/// headers it expects, and the processes whose CPU and memory count as its cost.
/// </summary>
public sealed class Target : IAsyncDisposable
{
    private const string ChatPath = "/v1/chat/completions";
    private const string SystemPrompt = "You are a benchmark. Answer briefly.";
    private const string UserPrompt = "Hello from the OpenTracy benchmark, please say something short.";
    private const int MaxTokens = 64;
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public required string Key { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<Uri> BaseUrls { get; init; }
    public required string Model { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    /// <summary>Processes whose CPU and RSS are this target's cost (summed).</summary>
    public required IReadOnlyList<ManagedProcess> Measured { get; init; }
    /// <summary>Processes this target started and stops when disposed.</summary>
    public IReadOnlyList<ManagedProcess> Owned { get; init; } = [];
    public required string Runtime { get; init; }
    public string? Note { get; set; }

    private Uri[]? _chatUrls;
    private Uri[] ChatUrls => _chatUrls ??= [.. BaseUrls.Select(b => new Uri(b, ChatPath))];

    public IReadOnlyList<int> Pids => [.. Measured.Select(p => p.Pid)];

    public double CpuSeconds() => Measured.Sum(p => ProcFs.CpuSeconds(p.Pid));

    /// <summary>The request body: a short system + user conversation carrying the mock directive (and <paramref name="prompt"/> when given).</summary>
    public byte[] Body(string directive, bool stream, string? prompt = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", Model);
            json.WriteStartArray("messages");
            json.WriteStartObject();
            json.WriteString("role", "system");
            json.WriteString("content", SystemPrompt);
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteString("content", $"{prompt ?? UserPrompt} {directive}");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteNumber("max_tokens", MaxTokens);
            if (stream) json.WriteBoolean("stream", true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public HttpRequestMessage NewRequest(long index, byte[] body)
    {
        var urls = ChatUrls;
        var request = new HttpRequestMessage(HttpMethod.Post, urls[index % urls.Length])
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Owned.Reverse()) await process.DisposeAsync();
    }

    public static string Directive(params (string Key, int Value)[] pairs)
    {
        var sb = new StringBuilder("[mock");
        foreach (var (key, value) in pairs) sb.Append(' ').Append(key).Append('=').Append(value);
        return sb.Append(']').ToString();
    }
}
