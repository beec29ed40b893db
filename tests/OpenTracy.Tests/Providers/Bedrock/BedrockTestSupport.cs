using System.Buffers.Binary;
using System.Text;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.Bedrock;

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Builds AWS event-stream frames by hand, the way the format describes them, so decoder tests do not depend on an encoder in src.</summary>
internal static class Frames
{
    public static byte[] StringHeader(string name, string value) => Header(name, EventStreamHeaderType.String, U16Prefixed(Encoding.UTF8.GetBytes(value)));

    public static byte[] Header(string name, EventStreamHeaderType type, byte[] value)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        return [(byte)nameBytes.Length, .. nameBytes, (byte)type, .. value];
    }

    public static byte[] U16Prefixed(byte[] value)
    {
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)value.Length);
        return [.. len, .. value];
    }

    /// <summary>total length · headers length · prelude CRC · headers · payload · message CRC.</summary>
    public static byte[] Frame(byte[] headers, byte[] payload)
    {
        var total = 12 + headers.Length + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32.Compute(frame.AsSpan(0, 8)));
        headers.CopyTo(frame, 12);
        payload.CopyTo(frame, 12 + headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32.Compute(frame.AsSpan(0, total - 4)));
        return frame;
    }

    public static byte[] Event(string eventType, string json) => Frame(
        [.. StringHeader(":event-type", eventType), .. StringHeader(":content-type", "application/json"), .. StringHeader(":message-type", "event")],
        Encoding.UTF8.GetBytes(json));

    public static byte[] Exception(string exceptionType, string json) => Frame(
        [.. StringHeader(":exception-type", exceptionType), .. StringHeader(":content-type", "application/json"), .. StringHeader(":message-type", "exception")],
        Encoding.UTF8.GetBytes(json));

    public static byte[] Concat(params byte[][] frames) => frames.SelectMany(f => f).ToArray();
}

/// <summary>A stream that hands out at most <paramref name="step"/> bytes per read, to exercise partial reads.</summary>
internal sealed class TrickleStream(byte[] data, int step) : MemoryStream(data)
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
}

internal static class Requests
{
    public static ChatRequest Parse(string json) => System.Text.Json.JsonSerializer.Deserialize(json, WireJson.Default.ChatRequest)!;

    public static AwsCredentials Credentials(string secret = "test-secret-key", string region = "us-east-1", string? session = null)
        => new("AKIDTEST", new Secret(secret), region, Secret.FromNullable(session));

    public static ProviderRequest For(string baseUrl, string model, ChatRequest body, AwsCredentials? aws, TimeSpan? timeout = null)
        => new(new ProviderEndpoint(ProviderCatalog.Bedrock, baseUrl, aws is null ? ProviderCredentials.None : new ProviderCredentials(null, aws)),
            model, body, timeout ?? TimeSpan.FromSeconds(30));
}
