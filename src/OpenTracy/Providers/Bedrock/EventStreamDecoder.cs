using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace OpenTracy.Providers.Bedrock;

/// <summary>
/// Decodes AWS event-stream binary frames (<c>application/vnd.amazon.eventstream</c>):
/// total length (u32 BE) · headers length (u32 BE) · prelude CRC-32 over the first 8 bytes · headers · payload ·
/// message CRC-32 over everything before it. Both CRCs are verified. A corrupt frame is an
/// <see cref="ProviderFailureKind.InvalidResponse"/>; a body that ends inside a frame is a <see cref="ProviderFailureKind.Transport"/> failure.
/// </summary>
public static class EventStreamDecoder
{
    public const int LengthFieldBytes = 4;
    public const int PreludeCrcCoverage = 2 * LengthFieldBytes;
    public const int PreludeBytes = PreludeCrcCoverage + LengthFieldBytes;
    public const int MessageCrcBytes = 4;
    public const int MinFrameBytes = PreludeBytes + MessageCrcBytes;
    public const int MaxFrameBytes = 16 * 1024 * 1024;

    private const int UuidBytes = 16;

    /// <summary>Reads messages until the stream ends cleanly at a frame boundary.</summary>
    public static async IAsyncEnumerable<EventStreamMessage> ReadAsync(Stream stream, string provider,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prelude = new byte[PreludeBytes];
        while (true)
        {
            var got = await ReadFullyAsync(stream, prelude, cancellationToken).ConfigureAwait(false);
            if (got == 0) yield break;
            if (got < PreludeBytes) throw Truncated(provider);

            var totalLength = ValidatePrelude(prelude, provider);
            var frame = new byte[totalLength];
            prelude.CopyTo(frame, 0);
            var rest = frame.AsMemory(PreludeBytes);
            if (await ReadFullyAsync(stream, rest, cancellationToken).ConfigureAwait(false) < rest.Length) throw Truncated(provider);
            yield return Decode(frame, provider);
        }
    }

    /// <summary>Decodes exactly one complete frame.</summary>
    public static EventStreamMessage Decode(ReadOnlySpan<byte> frame, string provider)
    {
        if (frame.Length < MinFrameBytes) throw Invalid(provider, $"event-stream frame of {frame.Length} bytes is shorter than the {MinFrameBytes}-byte minimum");
        var totalLength = ValidatePrelude(frame[..PreludeBytes], provider);
        if (totalLength != frame.Length) throw Invalid(provider, $"event-stream frame declares {totalLength} bytes but has {frame.Length}");

        var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(frame[LengthFieldBytes..]);
        var crcOffset = totalLength - MessageCrcBytes;
        var expected = BinaryPrimitives.ReadUInt32BigEndian(frame[crcOffset..]);
        var actual = Crc32.Compute(frame[..crcOffset]);
        if (expected != actual) throw Invalid(provider, $"event-stream message CRC mismatch (expected {expected:x8}, computed {actual:x8})");

        var headers = ParseHeaders(frame.Slice(PreludeBytes, headersLength), provider);
        var payloadStart = PreludeBytes + headersLength;
        var payload = frame[payloadStart..crcOffset].ToArray();
        return new EventStreamMessage(headers, payload);
    }

    /// <summary>Checks the prelude CRC and the lengths; returns the total frame length.</summary>
    private static int ValidatePrelude(ReadOnlySpan<byte> prelude, string provider)
    {
        var expected = BinaryPrimitives.ReadUInt32BigEndian(prelude[PreludeCrcCoverage..]);
        var actual = Crc32.Compute(prelude[..PreludeCrcCoverage]);
        if (expected != actual) throw Invalid(provider, $"event-stream prelude CRC mismatch (expected {expected:x8}, computed {actual:x8})");

        var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headers = BinaryPrimitives.ReadUInt32BigEndian(prelude[LengthFieldBytes..]);
        if (total < MinFrameBytes || total > MaxFrameBytes)
            throw Invalid(provider, $"event-stream frame length {total} is outside {MinFrameBytes}..{MaxFrameBytes}");
        if (headers > total - MinFrameBytes)
            throw Invalid(provider, $"event-stream headers length {headers} does not fit a frame of {total} bytes");
        return (int)total;
    }

    private static List<EventStreamHeader> ParseHeaders(ReadOnlySpan<byte> span, string provider)
    {
        var headers = new List<EventStreamHeader>();
        var pos = 0;
        while (pos < span.Length)
        {
            var nameLength = span[pos++];
            var name = Encoding.UTF8.GetString(Take(span, ref pos, nameLength, provider));
            var type = (EventStreamHeaderType)Take(span, ref pos, 1, provider)[0];
            object value = type switch
            {
                EventStreamHeaderType.BoolTrue => true,
                EventStreamHeaderType.BoolFalse => false,
                EventStreamHeaderType.Byte => (sbyte)Take(span, ref pos, sizeof(sbyte), provider)[0],
                EventStreamHeaderType.Int16 => BinaryPrimitives.ReadInt16BigEndian(Take(span, ref pos, sizeof(short), provider)),
                EventStreamHeaderType.Int32 => BinaryPrimitives.ReadInt32BigEndian(Take(span, ref pos, sizeof(int), provider)),
                EventStreamHeaderType.Int64 => BinaryPrimitives.ReadInt64BigEndian(Take(span, ref pos, sizeof(long), provider)),
                EventStreamHeaderType.ByteArray => Take(span, ref pos, ReadU16(span, ref pos, provider), provider).ToArray(),
                EventStreamHeaderType.String => Encoding.UTF8.GetString(Take(span, ref pos, ReadU16(span, ref pos, provider), provider)),
                EventStreamHeaderType.Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Take(span, ref pos, sizeof(long), provider))),
                EventStreamHeaderType.Uuid => new Guid(Take(span, ref pos, UuidBytes, provider), bigEndian: true),
                _ => throw Invalid(provider, $"event-stream header '{name}' has unknown value type {(byte)type}"),
            };
            headers.Add(new EventStreamHeader(name, type, value));
        }
        return headers;
    }

    private static int ReadU16(ReadOnlySpan<byte> span, ref int pos, string provider)
        => BinaryPrimitives.ReadUInt16BigEndian(Take(span, ref pos, sizeof(ushort), provider));

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> span, ref int pos, int count, string provider)
    {
        if (count > span.Length - pos) throw Invalid(provider, "event-stream header runs past the header block");
        var slice = span.Slice(pos, count);
        pos += count;
        return slice;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static ProviderException Invalid(string provider, string message)
        => new(provider, ProviderFailureKind.InvalidResponse, null, message);

    private static ProviderException Truncated(string provider)
        => new(provider, ProviderFailureKind.Transport, null, "event stream ended in the middle of a frame");
}
