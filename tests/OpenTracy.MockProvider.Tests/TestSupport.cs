using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenTracy.MockProvider.Tests;

/// <summary>One mock server per test class; tests use distinct ids so they never see each other's counters.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public MockProviderServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await MockProviderServer.StartAsync();
        Http = new HttpClient { BaseAddress = Server.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

internal static class Wire
{
    public static string NewId(string prefix = "t") => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public static HttpRequestMessage Json(string path, object body, params (string Name, string Value)[] headers) =>
        JsonText(path, JsonSerializer.Serialize(body), headers);

    public static HttpRequestMessage JsonText(string path, string body, params (string Name, string Value)[] headers)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            req.Headers.TryAddWithoutValidation(name, value);
        }
        return req;
    }

    public static object OpenAiBody(string userText, bool stream = false, bool? includeUsage = null, string model = "gpt-4o-mini")
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = new object[] { new { role = "user", content = userText } },
        };
        if (stream)
        {
            body["stream"] = true;
        }
        if (includeUsage is not null)
        {
            body["stream_options"] = new { include_usage = includeUsage.Value };
        }
        return body;
    }

    public static HttpRequestMessage OpenAi(string userText, bool stream = false, bool? includeUsage = null, string path = "/v1/chat/completions") =>
        Json(path, OpenAiBody(userText, stream, includeUsage), ("Authorization", "Bearer sk-test"));

    public static HttpRequestMessage Anthropic(string userText, bool stream = false) =>
        Json("/v1/messages", new Dictionary<string, object?>
        {
            ["model"] = "claude-sonnet-4",
            ["max_tokens"] = 256,
            ["stream"] = stream,
            ["messages"] = new object[] { new { role = "user", content = userText } },
        }, ("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01"));

    public static JsonNode ParseJson(string text) => JsonNode.Parse(text) ?? throw new InvalidOperationException("null json");

    /// <summary>Splits an SSE body into events (event name or null, data text).</summary>
    public static List<(string? Event, string Data)> ParseSse(string body)
    {
        var events = new List<(string?, string)>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? ev = null;
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    ev = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
            }
            events.Add((ev, data.ToString()));
        }
        return events;
    }

    /// <summary>Polls until the predicate holds or the bound expires (no fixed sleeps in assertions).</summary>
    public static async Task<MockStats> WaitForStats(MockProviderServer server, string id, Func<MockStats, bool> predicate, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var s = server.GetStats(id);
            if (predicate(s) || sw.ElapsedMilliseconds > timeoutMs)
            {
                return s;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Reads a streamed body until it ends or fails; returns what arrived and the failure, if any.</summary>
    public static async Task<(string Text, Exception? Error)> ReadUntilEndOrError(HttpResponseMessage response)
    {
        var sb = new StringBuilder();
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[4096];
            var decoder = Encoding.UTF8.GetDecoder();
            var chars = new char[8192];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                var c = decoder.GetChars(buffer, 0, n, chars, 0);
                sb.Append(chars, 0, c);
            }
            return (sb.ToString(), null);
        }
        catch (Exception ex)
        {
            return (sb.ToString(), ex);
        }
    }
}

/// <summary>A small independent AWS event-stream decoder that verifies both CRCs.</summary>
internal static class EventStreamDecoder
{
    public sealed record Frame(Dictionary<string, string> Headers, byte[] Payload, bool PreludeCrcOk, bool MessageCrcOk)
    {
        public string PayloadText => Encoding.UTF8.GetString(Payload);
        public JsonNode Json => JsonNode.Parse(Payload)!;
        public string? EventType => Headers.GetValueOrDefault(":event-type");
    }

    // Bit-by-bit CRC-32 (no table), to stay independent of the server's implementation.
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                var mask = (uint)-(int)(crc & 1);
                crc = (crc >> 1) ^ (0xEDB88320 & mask);
            }
        }
        return ~crc;
    }

    public static List<Frame> Decode(byte[] data)
    {
        var frames = new List<Frame>();
        var offset = 0;
        while (offset < data.Length)
        {
            var span = data.AsSpan(offset);
            if (span.Length < 16)
            {
                throw new InvalidDataException($"truncated frame at {offset}");
            }
            var total = (int)BinaryPrimitives.ReadUInt32BigEndian(span);
            var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(span[4..]);
            var preludeCrc = BinaryPrimitives.ReadUInt32BigEndian(span[8..]);
            if (total > span.Length || total < 16)
            {
                throw new InvalidDataException($"bad total length {total} at {offset}");
            }
            var frame = span[..total];
            var messageCrc = BinaryPrimitives.ReadUInt32BigEndian(frame[(total - 4)..]);
            var headers = new Dictionary<string, string>();
            var h = frame.Slice(12, headersLength);
            var p = 0;
            while (p < h.Length)
            {
                int nameLength = h[p++];
                var name = Encoding.UTF8.GetString(h.Slice(p, nameLength));
                p += nameLength;
                var type = h[p++];
                if (type != 7)
                {
                    throw new InvalidDataException($"unexpected header type {type}");
                }
                var valueLength = BinaryPrimitives.ReadUInt16BigEndian(h[p..]);
                p += 2;
                headers[name] = Encoding.UTF8.GetString(h.Slice(p, valueLength));
                p += valueLength;
            }
            var payload = frame[(12 + headersLength)..(total - 4)].ToArray();
            frames.Add(new Frame(headers, payload,
                Crc32(frame[..8]) == preludeCrc,
                Crc32(frame[..(total - 4)]) == messageCrc));
            offset += total;
        }
        return frames;
    }
}

/// <summary>Hand-written SigV4 signer for the tests (independent of the server's verifier).</summary>
internal static class TestSigner
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";

    /// <param name="doubleEncode">true = AWS rule for non-S3 services; false = the "encode once" mistake.</param>
    public static void Sign(HttpRequestMessage request, byte[] body, string host, string secret = Secret, bool doubleEncode = true, DateTime? at = null)
    {
        var now = at ?? DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var payloadHash = Hex(SHA256.HashData(body));
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);

        var rawPath = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString.Split('?')[0];
        var canonicalUri = doubleEncode
            ? string.Join("/", rawPath.Split('/').Select(Uri.EscapeDataString))
            : rawPath;
        var signedHeaders = "content-type;host;x-amz-content-sha256;x-amz-date";
        var canonicalHeaders =
            "content-type:application/json\n" +
            $"host:{host}\n" +
            $"x-amz-content-sha256:{payloadHash}\n" +
            $"x-amz-date:{amzDate}\n";
        var canonicalRequest = string.Join("\n", "POST", canonicalUri, "", canonicalHeaders, signedHeaders, payloadHash);
        var scope = $"{date}/{Region}/bedrock/aws4_request";
        var stringToSign = string.Join("\n", "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, Region, "bedrock", "aws4_request" })
        {
            key = new HMACSHA256(key).ComputeHash(Encoding.UTF8.GetBytes(part));
        }
        var signature = Hex(new HMACSHA256(key).ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    public static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2")));
}
