using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using OpenTracy.Engine.Errors;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>
/// Reads and validates a chat-completion body. Every client mistake becomes a 4xx with a clear
/// message (and the offending field in <c>param</c>), never a 500: body over the limit → 413,
/// not JSON → 400 <c>invalid request body: ...</c>, no messages → 400 <c>messages is required</c>,
/// wrong types or unknown roles → 400 naming the field.
/// </summary>
public static class ChatRequestReader
{
    /// <summary>Roles OpenAI's chat API accepts.</summary>
    public static readonly IReadOnlySet<string> KnownRoles = new HashSet<string>(StringComparer.Ordinal)
    {
        "system", "developer", "user", "assistant", "tool", "function",
    };

    private const int ReadBufferBytes = 16 * 1024;

    public static async Task<(ChatRequest? Request, EngineError? Error)> ReadAsync(HttpContext context, long maxBytes)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes) return (null, EngineError.TooLarge(maxBytes));
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = maxBytes;

        byte[] body;
        try
        {
            body = await ReadLimitedAsync(request.Body, maxBytes, context.RequestAborted);
        }
        catch (BodyTooLargeException)
        {
            return (null, EngineError.TooLarge(maxBytes));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, EngineError.TooLarge(maxBytes));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum body data rate (opentracy.http.limits) was not met: a slow-loris body.
            return (null, new EngineError(StatusCodes.Status408RequestTimeout,
                ErrorResponse.Of($"request body too slow: {ex.Message}", EngineError.InvalidRequest, "request_timeout")));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, EngineError.BadRequest($"failed to read body: {ex.Message}"));
        }
        return Parse(body);
    }

    /// <summary>Parses and validates a body already in memory.</summary>
    public static (ChatRequest? Request, EngineError? Error) Parse(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span)) return (null, EngineError.InvalidBody("the body is not valid UTF-8"));
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return (null, EngineError.InvalidBody(FirstSentence(ex.Message)));
        }
        using (document)
        {
            var error = Validate(document.RootElement);
            if (error is not null) return (null, error);
            try
            {
                var parsed = document.RootElement.Deserialize(WireJson.Default.ChatRequest);
                if (parsed is null) return (null, EngineError.InvalidBody("expected a JSON object"));
                return (parsed, null);
            }
            catch (JsonException ex)
            {
                var field = Field(ex.Path);
                return (null, field is null
                    ? EngineError.InvalidBody(FirstSentence(ex.Message))
                    : EngineError.InvalidBody($"'{field}' has the wrong type", field));
            }
        }
    }

    private static EngineError? Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return EngineError.InvalidBody("expected a JSON object");

        if (root.TryGetProperty("model", out var model) && model.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            return WrongType("model", "a string");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
            return EngineError.MessagesRequired();
        if (messages.ValueKind != JsonValueKind.Array) return WrongType("messages", "an array of messages");
        if (messages.GetArrayLength() == 0) return EngineError.MessagesRequired();

        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = $"messages[{i}]";
            if (message.ValueKind != JsonValueKind.Object) return WrongType(at, "an object");
            if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                return EngineError.BadRequest($"{at}.role is required and must be a string", $"{at}.role");
            if (!KnownRoles.Contains(role.GetString()!))
                return EngineError.BadRequest($"{at}.role '{role.GetString()}' is not one of {string.Join(", ", KnownRoles)}", $"{at}.role");
            if (message.TryGetProperty("content", out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null))
                return WrongType($"{at}.content", "a string, an array of content parts, or null");
            i++;
        }

        foreach (var property in root.EnumerateObject())
        {
            // 1e400 parses as infinity, which no serializer can write back: refuse it here rather than fail later.
            if (property.Value.ValueKind == JsonValueKind.Number && (!property.Value.TryGetDouble(out var number) || !double.IsFinite(number)))
                return EngineError.InvalidBody($"'{property.Name}' is out of range", property.Name);
        }

        if (root.TryGetProperty("stream", out var stream) && stream.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            return WrongType("stream", "a boolean");
        if (root.TryGetProperty("num_retries", out var retries) && retries.ValueKind != JsonValueKind.Null
            && (retries.ValueKind != JsonValueKind.Number || !retries.TryGetInt32(out var n) || n < 0))
            return WrongType("num_retries", "a non-negative integer");
        if (root.TryGetProperty("fallbacks", out var fallbacks) && fallbacks.ValueKind != JsonValueKind.Null)
        {
            if (fallbacks.ValueKind != JsonValueKind.Array) return WrongType("fallbacks", "an array of model strings");
            foreach (var f in fallbacks.EnumerateArray())
                if (f.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(f.GetString()))
                    return WrongType("fallbacks", "an array of model strings");
        }
        return null;
    }

    private static EngineError WrongType(string field, string expected)
        => EngineError.InvalidBody($"'{field}' must be {expected}", field);

    /// <summary>"$.messages[0].content" → "messages[0].content".</summary>
    private static string? Field(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ReadBufferBytes), cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes) throw new BodyTooLargeException();
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private sealed class BodyTooLargeException : Exception;
}
